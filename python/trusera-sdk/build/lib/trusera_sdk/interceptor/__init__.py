"""HTTP interception and enforcement."""

from .interceptor import InterceptorStatus, TruseraInterceptor, intercept

__all__ = ["InterceptorStatus", "TruseraInterceptor", "intercept"]
