package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/workday"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz reports ready when the database answers, its schema is current
// and the policy engine has loaded the enterprises; while it loads, 503
// with how many it has read.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.app.DB.CheckSchema(ctx); err != nil {
		if errs.CodeOf(err) != errs.Unavailable {
			err = &errs.Error{Code: errs.Unavailable, Message: "数据库不可用", Err: err}
		}
		return err
	}
	if st, loading := s.app.PolicyLoading(); loading {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "loading", "database": string(s.app.DB.Dialect()),
			"policy_engine": st})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "database": string(s.app.DB.Dialect())})
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		return errs.Wrap(err, "openapi")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
	return nil
}

// safeNext returns next if it is a local path, else "/": a login link must
// not send people to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if actorOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login.html", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Demo": s.app.Config.Demo})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Errorf(errs.Invalid, "表单无效")
	}
	username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	secret, _, err := s.app.Auth.Login(r.Context(), username, password, s.clientIP(r), r.UserAgent())
	if err != nil {
		switch errs.CodeOf(err) {
		case errs.Unauthenticated, errs.TooMany:
			setRetryAfter(w, err)
			s.render(w, r, statusOf(errs.CodeOf(err)), "login.html", map[string]any{"Next": next, "Username": username,
				"Error": errs.MessageOf(err), "Demo": s.app.Config.Demo})
			return nil
		}
		return err
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.app.Auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// home is every role's start page: the date, and the panels the modules
// contribute for the actor (homePanels).
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	today := workday.Today(s.app.Now)
	s.render(w, r, http.StatusOK, "home.html", map[string]any{"Today": today, "IsWorkday": s.app.Calendar.IsWorkday(today),
		"Next5": s.app.Calendar.AddWorkdays(today, 5), "Panels": s.loadHomePanels(r, actorOf(r))})
	return nil
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.UserID == 0 {
		return errs.Errorf(errs.Forbidden, "API 令牌没有个人中心")
	}
	u, err := s.app.Auth.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	data := map[string]any{"User": u}
	if u.UnitID != nil {
		unit, err := s.app.Org.FindUnitByID(r.Context(), *u.UnitID)
		if err != nil {
			return err
		}
		data["Unit"] = unit
	}
	s.render(w, r, http.StatusOK, "me.html", data)
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if err := r.ParseForm(); err != nil || a.UserID == 0 {
		return errs.Errorf(errs.Invalid, "表单无效")
	}
	u, err := s.app.Auth.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		s.render(w, r, http.StatusUnprocessableEntity, "me.html", map[string]any{"User": u, "Error": msg})
		return nil
	}
	old, pw, again := r.PostForm.Get("old"), r.PostForm.Get("new"), r.PostForm.Get("again")
	if pw != again {
		return fail("两次输入的新密码不一致")
	}
	if _, _, err := s.app.Auth.Login(r.Context(), u.Username, old, s.clientIP(r), r.UserAgent()); err != nil {
		return fail("原密码不正确")
	}
	if err := s.app.Auth.SetPassword(r.Context(), actorOf(r), u.ID, pw); err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return fail(errs.MessageOf(err))
		}
		return err
	}
	// SetPassword ended every session; start a fresh one for this browser.
	secret, _, err := s.app.Auth.Login(r.Context(), u.Username, pw, s.clientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, "/me?ok=password", http.StatusSeeOther)
	return nil
}

// unreadCount is the unread badge of the page header: the number, or -1
// when it could not be read (the header then says so instead of hiding it).
func (s *Server) unreadCount(r *http.Request) int {
	n, err := s.app.Notify.UnreadCount(r.Context(), actorOf(r))
	if err != nil {
		s.log.Warn("unread count", "request_id", audit.RequestID(r.Context()), "err", err)
		return -1
	}
	return n
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) error {
	p := newPager(r.URL.Path, r.URL.Query(), 20)
	unread := r.URL.Query().Get("unread") == "1"
	list, total, err := s.app.Notify.Inbox(r.Context(), actorOf(r), notify.InboxFilter{UnreadOnly: unread, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Total = total
	s.render(w, r, http.StatusOK, "inbox.html", map[string]any{"Items": list, "Page": p, "UnreadOnly": unread})
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Errorf(errs.NotFound, "编号“%s”无效", r.PathValue(name))
	}
	return id, nil
}

// queryID reads an optional numeric parameter of a query or a form (0 when
// absent). Errors: Invalid.
func queryID(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, errs.FieldErrorf(name, "%s 应为正整数", name)
	}
	return id, nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Notify.MarkRead(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox?ok=read", http.StatusSeeOther)
	return nil
}

func (s *Server) markAllRead(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.app.Notify.MarkAllRead(r.Context(), actorOf(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox?ok=read", http.StatusSeeOther)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	writeJSON(w, http.StatusOK, map[string]any{"name": a.Name, "display_name": a.DisplayName, "role": a.Role,
		"role_label": a.Role.Label(), "unit_id": a.UnitID, "enterprise_id": a.EnterpriseID, "user_id": a.UserID, "token_id": a.TokenID})
	return nil
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.app.Notify.Inbox(r.Context(), actorOf(r), notify.InboxFilter{UnreadOnly: r.URL.Query().Get("unread") == "true", Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if list == nil {
		list = []notify.Notification{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
	return nil
}

func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Notify.MarkRead(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiWorkday(w http.ResponseWriter, r *http.Request) error {
	d, err := workday.ParseDate(r.PathValue("date"))
	if err != nil {
		return err
	}
	info := s.app.Calendar.Info(d)
	writeJSON(w, http.StatusOK, map[string]any{"info": info, "official": s.app.Calendar.Known(d.Year())})
	return nil
}

func (s *Server) apiWorkdayAdd(w http.ResponseWriter, r *http.Request) error {
	d, err := workday.ParseDate(r.PathValue("date"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > 3650 {
		return errs.FieldErrorf("n", "工作日数应为 0–3650 的整数")
	}
	res := s.app.Calendar.AddWorkdays(d, n)
	writeJSON(w, http.StatusOK, map[string]any{"from": d, "workdays": n, "date": res,
		"official": s.app.Calendar.Known(d.Year()) && s.app.Calendar.Known(res.Year())})
	return nil
}
