// Package middleware holds wharf.Handler middlewares for serving
// files to browsers: extra response fields (Headers), cross-origin
// access (NewCORS) and HTTP Basic authentication (NewBasicAuth).
//
// # Contract
//
// Each constructor takes the handler to wrap (next) and returns a
// handler that is safe for concurrent use, whose configuration is
// fixed when it is made (the caller's slices are copied), and that
// keeps nothing of a request after ServeHTTP returns. So when next is
// a wharf.RequestReleaser, the returned handler is one too, and the
// server may reuse a request's memory for the next one; when next is
// not, the returned handler is not either.
//
// On the pass-through path (a request that next answers: any request
// to Headers, a same-origin or cross-origin actual request to CORS, a
// request whose credentials were verified recently to BasicAuth) the
// middlewares allocate nothing; the tests assert it with
// testing.AllocsPerRun.
//
// Fields are added to the response header before next is called, with
// Header.Add (Headers, Vary) or Header.Set (Access-Control-*), so next
// may replace any of them with Set or remove them with Del.
//
// Constructors validate their configuration and return an error naming
// the bad value (never the secret part of a credential); they never
// panic, and ServeHTTP never writes request data into a response.
//
// # Composition order
//
// Wrap from the inside out; the order that makes each one work is,
// outermost first:
//
//	access log     sees every answer, including the 204 preflights
//	               and 401s produced by the middlewares below it
//	Headers        so that site-wide fields (HSTS, CSP) are on
//	               every answer, preflights and 401s included
//	CORS           outside authentication: a browser never sends
//	               credentials with a preflight (Fetch standard,
//	               CORS-preflight request), so CORS must answer it
//	               before BasicAuth would refuse it with 401; and a
//	               cross-origin script can then read a 401 answer
//	BasicAuth      before any work is done for the request
//	compression    inside, so that a 401 is never compressed and
//	               nothing is compressed for a refused client
//	handler
//
// In code:
//
//	h := fileserver.New(...)
//	h, err = middleware.NewBasicAuth(h, "site", creds)
//	h, err = middleware.NewCORS(h, []string{"https://app.example"})
//	h = middleware.Headers(h, fields)
//
// Wrapped the other way round (BasicAuth outside CORS), every
// preflight of a cross-origin request would be answered 401 and the
// browser would never send the request itself.
package middleware
