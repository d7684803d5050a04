package serve

import (
	"encoding/json"
	"net/http"
)

// Error codes of the API's error object: stable, for machines; the message
// is for people.
const (
	codeUnauthorized   = "unauthorized"
	codeForbidden      = "forbidden"
	codeTooLarge       = "body_too_large"
	codeInvalidRequest = "invalid_request"
	codeInvalidPolicy  = "invalid_policy"
	codeUnknownNS      = "unknown_namespace"
	codeNotFound       = "not_found"
	codeMethod         = "method_not_allowed"
	codeUnverifiable   = "unverifiable_request"
	codeConflict       = "conflict"
	codeInternal       = "internal"
)

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error ErrorObject `json:"error"`
}

// ErrorObject says what went wrong: Code for machines, Message for people.
type ErrorObject struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail writes an error response; the request's log line (observe) carries
// its code and message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if rec, ok := w.(*recorder); ok {
		rec.code, rec.message = code, msg
	}
	writeJSON(w, status, ErrorBody{ErrorObject{Code: code, Message: msg}})
}

// writeJSON writes v as the response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"code":"internal","message":"encoding the response failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}
