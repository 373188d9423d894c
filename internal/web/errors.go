package web

import (
	"encoding/json"
	"github.com/qinqing/qinqing/internal/jsonbody"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
)

// statusOf maps an error code to its HTTP status.
func statusOf(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unsupported:
		return http.StatusUnsupportedMediaType
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// titleOf is the short Chinese title of an error code.
func titleOf(code errs.Code) string {
	switch code {
	case errs.Invalid:
		return "输入有误"
	case errs.NotFound:
		return "未找到"
	case errs.Conflict:
		return "冲突"
	case errs.Forbidden:
		return "无权访问"
	case errs.Unauthenticated:
		return "未登录"
	case errs.TooLarge:
		return "内容过大"
	case errs.TooMany:
		return "请求过于频繁"
	case errs.Unsupported:
		return "内容类型不支持"
	case errs.Unavailable:
		return "服务暂不可用"
	}
	return "系统错误"
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// isAPI reports whether r wants JSON: API and probe paths, or an Accept of
// JSON.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" ||
		strings.Contains(r.Header.Get("Accept"), "application/json")
}

// fail is the one error writer: it maps err to a status and writes it as
// problem+json for API clients or as a page (or htmx fragment) for people.
// Only internal errors are logged, with the request id; their details never
// reach the user.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	status := statusOf(code)
	rid := audit.RequestID(r.Context())
	setRetryAfter(w, err)
	if code == errs.Internal {
		s.log.Error("request failed", slog.String("request_id", rid), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if isAPI(r) {
		p := Problem{Type: "urn:qinqing:problem:" + string(code), Title: titleOf(code), Status: status,
			Detail: errs.MessageOf(err), Code: string(code), Field: errs.FieldOf(err), RequestID: rid}
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	if code == errs.Unauthenticated && r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		s.renderFragment(w, r, "error_fragment", map[string]any{"Title": titleOf(code), "Message": errs.MessageOf(err)})
		return
	}
	s.render(w, r, status, "error.html", map[string]any{"Title": titleOf(code), "Status": status,
		"Message": errs.MessageOf(err), "Field": errs.FieldOf(err), "RequestID": rid})
}

// setRetryAfter sends the Retry-After header (whole seconds, at least 1)
// of an error that says when to try again.
func setRetryAfter(w http.ResponseWriter, err error) {
	if d := errs.RetryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads the request's JSON body into v (jsonbody.Decode: one
// value, unknown fields refused, errors in Chinese naming the field; the
// size is limited by middleware). Errors: Invalid, TooLarge.
func decodeJSON(r *http.Request, v any) error { return jsonbody.Decode(r.Body, 0, v) }

// decodeOptionalJSON is decodeJSON for a body that may be empty.
func decodeOptionalJSON(r *http.Request, v any) error { return jsonbody.DecodeOptional(r.Body, 0, v) }
