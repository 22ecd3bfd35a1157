"""One thin adapter per HTTP library: each finds method, URL and headers, and hands them to the
decision core (interceptor/core.py) before the call and its outcome after."""
