// Package errs defines the platform's error type: every error that reaches a
// user carries a stable code, a message in Chinese, and optionally the field
// it concerns. The web layer maps codes to HTTP statuses in one place.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error. Codes are stable: API clients switch on them.
type Code string

// The error codes. Only Internal errors are logged with context; the others
// are the caller's to fix and are shown to them as they are.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	TooLarge        Code = "too_large"
	TooMany         Code = "too_many_requests"
	Unsupported     Code = "unsupported_media_type"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// Error is an error with a code, a user-facing message and an optional field.
type Error struct {
	Code    Code
	Message string // in Simplified Chinese, safe to show to the user
	Field   string // the input field the error concerns, if any
	Err     error  // the underlying cause, never shown to users
	// RetryAfter, on a TooMany or Unavailable error, says when trying again
	// may succeed; the web layer sends it as the Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		s = string(e.Code) + ": " + e.Field + ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an Invalid error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Internal error that keeps err as its cause; the message
// shown to users is generic.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: "系统内部错误", Err: fmt.Errorf("%s: %w", what, err)}
}

// CodeOf returns the code of err: the code of the first *Error in its chain,
// Internal for any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the user-facing message of err; internal details are
// never revealed.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "系统内部错误"
}

// FieldOf returns the field err concerns, or "".
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// RetryAfterOf returns how long err asks the caller to wait before trying
// again, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
