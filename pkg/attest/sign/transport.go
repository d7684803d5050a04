package sign

import (
	"bytes"
	"io"
	"net/http"
)

// maxServiceResponse bounds what is read of a Fulcio or TSA response; the
// sigstore-go clients read at most 1 MiB themselves.
const maxServiceResponse = 1 << 20

// bufferedTransport reads each response body into memory and makes Close a
// no-op. sigstore-go v1.3.0's Fulcio and TSA clients close the body of a 5xx
// or 429 response before retrying, and after the last attempt read it again:
// the user saw "http: read on closed response body" instead of the service's
// status and message. With the body buffered, they report "Fulcio returned
// 503: ..." as intended.
type bufferedTransport struct{ next http.RoundTripper }

func (t bufferedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxServiceResponse))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
