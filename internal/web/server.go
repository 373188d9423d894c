// Package web serves the platform's pages (server-rendered Simplified
// Chinese, htmx, ECharts) and its JSON API under /api/v1. Handlers decode,
// call the domain, and render; the page and the API call the same domain
// function, so a rule is written once.
package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

//go:embed static all:templates openapi.json
var assets embed.FS

// SessionCookie is the name of the session cookie.
const SessionCookie = "qinqing_session"

// Server is the HTTP server of one qinqing instance.
type Server struct {
	app      *app.App
	log      *slog.Logger
	pages    *pages
	metrics  *metrics
	handler  http.Handler
	patterns []string       // every registered route pattern, for the OpenAPI check
	proxies  []netip.Prefix // trusted reverse proxies (X-Forwarded-For)
}

// New builds the server's handler: routes, middleware and templates.
func New(a *app.App) (*Server, error) {
	s := &Server{app: a, log: a.Log}
	var err error
	if s.proxies, err = a.Config.Proxies(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(a)
	mux := http.NewServeMux()
	in := inputs()
	for _, rt := range s.routes() {
		s.patterns = append(s.patterns, rt.pattern)
		mux.Handle(rt.pattern, s.wrap(rt, in[rt.pattern]))
	}
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.files(static)))
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.Errorf(errs.NotFound, "页面不存在：%s", r.URL.Path))
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.Errorf(errs.Forbidden, "跨站请求被拒绝"))
	}))
	s.handler = securityHeaders(s.requestID(s.recoverer(s.observe(s.limitBody(cop.Handler(s.authenticate(mux)))))))
	return s, nil
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Patterns returns the registered route patterns.
func (s *Server) Patterns() []string { return s.patterns }

// handlerFunc is a handler that returns its error to the one error writer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may reach a route before the domain's finer checks.
type access struct {
	public bool        // no login needed
	action auth.Action // required action, "" for any logged-in actor
}

var (
	public   = access{public: true}
	loggedIn = access{}
)

func need(a auth.Action) access { return access{action: a} }

// route is one entry of the route table in routes.go.
type route struct {
	pattern string
	access  access
	h       handlerFunc
}

// wrap is what every routed request passes through: who may reach the
// route, then the hygiene of its input (hygiene.go), then the handler.
func (s *Server) wrap(rt route, in input) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPattern(r, rt.pattern)
		if !rt.access.public {
			a := actorOf(r)
			if a == nil {
				s.fail(w, r, errs.Errorf(errs.Unauthenticated, "请先登录"))
				return
			}
			if rt.access.action != "" && !a.CanSome(rt.access.action) {
				s.fail(w, r, errs.Errorf(errs.Forbidden, "无权访问此页面"))
				return
			}
		}
		if err := s.checkInput(r, in); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := rt.h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

type ctxKey int

const actorKey ctxKey = iota

// actorOf returns the actor of the request, or nil when anonymous.
func actorOf(r *http.Request) *auth.Actor {
	a, _ := r.Context().Value(actorKey).(*auth.Actor)
	return a
}

// authenticate resolves the session cookie or bearer token to an actor.
// A bad bearer token fails the request; a stale cookie is just anonymous
// (and cleared).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var actor *auth.Actor
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, secret, ok := strings.Cut(strings.TrimSpace(h), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") { // the scheme is case-insensitive (RFC 9110)
				s.fail(w, r, errs.Errorf(errs.Unauthenticated, "Authorization 头应为 Bearer 令牌"))
				return
			}
			a, err := s.app.Auth.TokenActor(ctx, strings.TrimSpace(secret))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			actor = a
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			u, err := s.app.Auth.Session(ctx, c.Value)
			switch errs.CodeOf(err) {
			case "":
				actor = u.Actor()
			case errs.Unauthenticated:
				s.clearSessionCookie(w)
			default:
				s.fail(w, r, err)
				return
			}
		}
		if actor != nil {
			who := audit.Who{Name: actor.Name}
			if actor.UserID != 0 {
				id := actor.UserID
				who.UserID = &id
			}
			ctx = audit.WithActor(context.WithValue(ctx, actorKey, actor), who)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: s.app.Config.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.app.Auth.SessionMax / time.Second)})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.app.Config.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// requestID gives every request an id (or keeps a sane X-Request-Id) for
// logs, audit entries and error pages.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, " \t\r\n\"") {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(audit.WithRequestID(r.Context(), id)))
	})
}

// recoverer turns a panic into a logged internal error; the user sees no
// stack trace.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.fail(w, r, errs.Wrap(fmt.Errorf("panic: %v\n%s", p, debug.Stack()), "handler"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies: uploads get the upload limit, everything
// else the body limit.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.app.Config.MaxBodyBytes
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			limit = s.app.Config.MaxUpload
		}
		if r.ContentLength > limit {
			s.fail(w, r, errs.Errorf(errs.TooLarge, "请求内容超过 %d 字节上限", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy lets pages run only the platform's own scripts
// and styles (htmx, ECharts and policy.js are files under /static/; no
// inline script, style attribute or event handler is allowed, and htmx is
// told not to add styles or evaluate code, see _layout.html), never be
// framed, and send forms only to the platform.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries: the content
// security policy, no MIME sniffing, no referrer beyond the origin, no
// framing (for browsers without frame-ancestors).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// files serves the static files of fsys: files only (a directory is not
// found, never listed), cached for an hour, the vendored ones with their
// version in the name for a year.
func (s *Server) files(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(r.URL.Path, "/")
		if st, err := fs.Stat(fsys, name); name == "" || err != nil || st.IsDir() {
			s.fail(w, r, errs.Errorf(errs.NotFound, "文件不存在：/static/%s", r.URL.Path))
			return
		}
		if strings.HasPrefix(name, "vendor/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		fileServer.ServeHTTP(w, r)
	})
}

// clientIP returns the client address of r: the direct peer, unless the
// peer is one of the configured trusted proxies, in which case the
// X-Forwarded-For chain is read from the right, skipping trusted proxies,
// and the first other address is the client. A header from an untrusted
// peer is ignored, so that no client can choose its own address.
func (s *Server) clientIP(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !s.trusted(addr) {
		return peer
	}
	client := addr
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client.String() // a malformed hop: trust nothing before it
			}
			client = a.Unmap()
			if !s.trusted(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

// trusted reports whether a is one of the configured trusted proxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
