package trusera

import (
	"net/http"
	"sync"
)

var defaultMu sync.Mutex

// InterceptDefault routes every request made through http.DefaultTransport (http.Get,
// http.DefaultClient, and any client without a Transport of its own) through an Interceptor
// reporting to client. It returns a function that puts the previous transport back. Installing
// again replaces the earlier interceptor rather than stacking a second one. The client's own
// requests use a private transport and are never intercepted.
func InterceptDefault(client *Client, opts InterceptorOptions) (restore func()) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	previous := http.DefaultTransport
	i := NewInterceptor(previous, client, opts)
	http.DefaultTransport = i
	var once sync.Once
	return func() {
		once.Do(func() {
			defaultMu.Lock()
			defer defaultMu.Unlock()
			i.Close()
			if http.DefaultTransport == i {
				http.DefaultTransport = previous
			}
		})
	}
}
