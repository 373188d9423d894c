package notify

import (
	"encoding/base64"
	"mime"
	"strings"
	"testing"
	"time"
)

func TestSMTPMessage(t *testing.T) {
	c, err := NewSMTPChannel(SMTPConfig{
		Addr: "smtp.example.gov.cn:587", From: "亲清在线 <noreply@example.gov.cn>", To: []string{"office@example.gov.cn"},
		BaseURL: "https://qinqing.example.gov.cn",
		Now:     func() time.Time { return time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	uid := int64(3)
	msg := string(c.message(Notification{ID: 12, UserID: &uid, Kind: "appeal.reply", Title: "诉求已答复\r\nBcc: evil@example.com",
		Body: "请查看答复内容。", Link: "/appeals/12"}, []string{"office@example.gov.cn"}))
	head, body, ok := strings.Cut(msg, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header/body separator in %q", msg)
	}
	for _, want := range []string{"To: office@example.gov.cn\r\n", "Date: Mon, 03 Mar 2025 09:00:00 +0000\r\n",
		"Message-ID: <notification-12@example.gov.cn>\r\n", "Content-Type: text/plain; charset=UTF-8\r\n"} {
		if !strings.Contains(head+"\r\n", want) {
			t.Errorf("header %q missing in\n%s", want, head)
		}
	}
	if strings.Contains(head, "\r\nBcc:") {
		t.Fatalf("header injection through the title:\n%s", head)
	}
	var subject string
	for _, line := range strings.Split(head, "\r\n") {
		if s, ok := strings.CutPrefix(line, "Subject: "); ok {
			subject, err = new(mime.WordDecoder).DecodeHeader(s)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if subject != "诉求已答复  Bcc: evil@example.com" {
		t.Fatalf("subject %q", subject)
	}
	text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	if want := "诉求已答复  Bcc: evil@example.com\r\n\r\n请查看答复内容。\r\n\r\nhttps://qinqing.example.gov.cn/appeals/12"; string(text) != want {
		t.Fatalf("body %q, want %q", text, want)
	}
}
