package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
)

// SMTPConfig configures the e-mail channel.
type SMTPConfig struct {
	// Addr is the server, "host:port" (587 with STARTTLS is usual).
	Addr string
	// Username and Password, if set, authenticate with PLAIN, which
	// net/smtp allows only over TLS or to localhost.
	Username, Password string
	// From is the sender, "亲清在线 <noreply@example.gov.cn>".
	From string
	// To are addresses that receive every notification (an office mailbox).
	To []string
	// Addresses, if set, returns the addresses of a notification's
	// recipient (looked up by the caller's account data), added to To.
	Addresses func(ctx context.Context, n Notification) ([]string, error)
	// Kinds limits the channel to these notification kinds; empty means all.
	// An entry ending in ".*" matches a prefix.
	Kinds []string
	// BaseURL, if set, makes in-platform links absolute in the mail.
	BaseURL string
	// Timeout bounds one delivery; default 30 s.
	Timeout time.Duration
	// Now is the clock for the Date header; default time.Now.
	Now func() time.Time
}

// SMTPChannel sends each notification as a plain-text UTF-8 e-mail. It is
// only constructed when SMTP is configured.
type SMTPChannel struct {
	cfg  SMTPConfig
	host string
	from *mail.Address
	to   []string
}

// NewSMTPChannel checks cfg and returns the e-mail channel; it does not
// connect. Errors: Invalid for a missing or malformed server address or
// sender, a malformed To address, or neither To nor Addresses.
func NewSMTPChannel(cfg SMTPConfig) (*SMTPChannel, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, errs.FieldErrorf("smtp_addr", "SMTP 服务器地址应为 主机:端口，例如 smtp.example.gov.cn:587")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, errs.FieldErrorf("smtp_from", "发件人地址格式不对：%s", cfg.From)
	}
	var to []string
	for _, a := range cfg.To {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, errs.FieldErrorf("smtp_to", "收件人地址格式不对：%s", a)
		}
		to = append(to, addr.Address)
	}
	if len(to) == 0 && cfg.Addresses == nil {
		return nil, errs.FieldErrorf("smtp_to", "未配置收件人")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &SMTPChannel{cfg: cfg, host: host, from: from, to: to}, nil
}

// Name returns "smtp".
func (c *SMTPChannel) Name() string { return "smtp" }

// Accepts reports whether the channel sends notifications of kind.
func (c *SMTPChannel) Accepts(kind string) bool { return kindsAccept(c.cfg.Kinds, kind) }

// Send mails n to the configured and looked-up addresses. Errors: the
// lookup's or the server's; a malformed looked-up address is a permanent
// error (retrying cannot fix it).
func (c *SMTPChannel) Send(ctx context.Context, n Notification) error {
	to := append([]string(nil), c.to...)
	if c.cfg.Addresses != nil {
		more, err := c.cfg.Addresses(ctx, n)
		if err != nil {
			return err
		}
		for _, a := range more {
			addr, err := mail.ParseAddress(a)
			if err != nil {
				return jobs.Permanent(fmt.Errorf("收件人地址格式不对：%q", a))
			}
			to = append(to, addr.Address)
		}
	}
	if len(to) == 0 {
		return nil
	}
	return c.send(ctx, to, c.message(n, to))
}

// message renders n as an RFC 5322 message with a base64 UTF-8 body.
func (c *SMTPChannel) message(n Notification, to []string) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", c.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.BEncoding.Encode("UTF-8", oneLine(n.Title)))
	header("Date", c.cfg.Now().Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<notification-%d@%s>", n.ID, c.from.Address[strings.LastIndex(c.from.Address, "@")+1:]))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	text := oneLine(n.Title) + "\n\n" + strings.ReplaceAll(n.Body, "\r\n", "\n")
	if link := n.Link; link != "" {
		if c.cfg.BaseURL != "" && strings.HasPrefix(link, "/") {
			link = c.cfg.BaseURL + link
		}
		text += "\n\n" + link
	}
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// send talks SMTP with a deadline (net/smtp has no contexts): STARTTLS when
// offered, PLAIN auth when configured.
func (c *SMTPChannel) send(ctx context.Context, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	cl, err := smtp.NewClient(conn, c.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(&tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp %s starttls: %w", c.cfg.Addr, err)
		}
	}
	if c.cfg.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.cfg.Username, c.cfg.Password, c.host)); err != nil {
			return fmt.Errorf("smtp %s auth: %w", c.cfg.Addr, err)
		}
	}
	if err := cl.Mail(c.from.Address); err != nil {
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	for _, a := range to {
		if err := cl.Rcpt(a); err != nil {
			return fmt.Errorf("smtp %s rcpt %s: %w", c.cfg.Addr, a, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: %w", c.cfg.Addr, err)
	}
	return cl.Quit()
}
