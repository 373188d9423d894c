package appeal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Upload is a file sent with a form or to the attachments endpoint.
type Upload struct {
	Name string
	Data []byte
}

// Limits on attachments.
const (
	MaxFilesPerEvent  = 10
	MaxFilesPerAppeal = 50
)

// fileType is an accepted kind of file: its extensions, the content type
// it is served with (never one a browser runs) and its first bytes.
type fileType struct {
	exts  []string
	ctype string
	magic [][]byte
}

// fileTypes is the allow-list of attachments: documents and pictures.
// HTML, SVG and scripts are not on it; every file is served as a download
// (Content-Disposition: attachment, nosniff) whatever its type.
var fileTypes = []fileType{
	{[]string{".pdf"}, "application/pdf", [][]byte{[]byte("%PDF-")}},
	{[]string{".jpg", ".jpeg"}, "image/jpeg", [][]byte{{0xFF, 0xD8, 0xFF}}},
	{[]string{".png"}, "image/png", [][]byte{{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}}},
	{[]string{".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [][]byte{[]byte("PK\x03\x04")}},
	{[]string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [][]byte{[]byte("PK\x03\x04")}},
	{[]string{".doc"}, "application/msword", [][]byte{{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}}},
	{[]string{".xls"}, "application/vnd.ms-excel", [][]byte{{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}}},
	{[]string{".txt"}, "text/plain; charset=utf-8", nil},
}

// AcceptedFiles names the accepted extensions, for forms.
const AcceptedFiles = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.doc,.xls,.txt"

// cleanName keeps the base name of an upload, without control or
// direction characters, at most 100 characters.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '"' {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > 100 {
		ext := path.Ext(name)
		name = string(r[:100-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" || name == "." || name == "/" {
		name = "附件"
	}
	return name
}

// checkUpload returns the content type of an accepted file. Errors:
// Invalid (type, content, size), TooLarge.
func (s *Service) checkUpload(u Upload) (string, error) {
	if len(u.Data) == 0 {
		return "", errs.FieldErrorf("files", "文件“%s”是空的", cleanName(u.Name))
	}
	if int64(len(u.Data)) > s.maxFile {
		return "", errs.Errorf(errs.TooLarge, "文件“%s”超过 %d MB 上限", cleanName(u.Name), s.maxFile>>20)
	}
	ext := strings.ToLower(path.Ext(u.Name))
	for _, t := range fileTypes {
		for _, e := range t.exts {
			if e != ext {
				continue
			}
			if t.magic == nil {
				if !utf8.Valid(u.Data) || bytes.IndexByte(u.Data, 0) >= 0 {
					return "", errs.FieldErrorf("files", "文件“%s”不是 UTF-8 文本", cleanName(u.Name))
				}
				return t.ctype, nil
			}
			for _, m := range t.magic {
				if bytes.HasPrefix(u.Data, m) {
					return t.ctype, nil
				}
			}
			return "", errs.FieldErrorf("files", "文件“%s”的内容与扩展名 %s 不符", cleanName(u.Name), ext)
		}
	}
	return "", errs.FieldErrorf("files", "不接受文件“%s”：只接受 PDF、图片（JPG、PNG）、Word、Excel 和文本文件", cleanName(u.Name))
}

// storeFiles writes uploads as attachments of appeal id (of event seq, 0:
// none yet) and returns their ids.
func (s *Service) storeFiles(ctx context.Context, tx *store.Tx, a *auth.Actor, id int64, seq int, uploads []Upload, now time.Time) ([]int64, error) {
	if len(uploads) > MaxFilesPerEvent {
		return nil, errs.FieldErrorf("files", "一次最多上传%d个文件", MaxFilesPerEvent)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_attachments WHERE appeal_id = ?`, id).Scan(&have); err != nil {
		return nil, errs.Wrap(err, "count attachments")
	}
	if have+len(uploads) > MaxFilesPerAppeal {
		return nil, errs.FieldErrorf("files", "一件诉求最多%d个附件", MaxFilesPerAppeal)
	}
	var ids []int64
	for _, u := range uploads {
		ctype, err := s.checkUpload(u)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(u.Data)
		var fid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO appeal_attachments (appeal_id, event_seq, name, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, nullInt(seq), cleanName(u.Name), ctype, len(u.Data),
			hex.EncodeToString(sum[:]), u.Data, a.Name, store.Millis(now)).Scan(&fid)
		if err != nil {
			return nil, errs.Wrap(err, "store attachment")
		}
		ids = append(ids, fid)
	}
	return ids, nil
}

// takeFiles attaches to event seq the files uploaded now and the ones
// attached before (ids, not yet part of an event).
func (s *Service) takeFiles(ctx context.Context, tx *store.Tx, a *auth.Actor, c *current, seq int, ids []int64, uploads []Upload, now time.Time) ([]int64, error) {
	out, err := s.storeFiles(ctx, tx, a, c.row.ID, seq, uploads, now)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE appeal_attachments SET event_seq = ? WHERE id = ? AND appeal_id = ? AND event_seq IS NULL`, seq, id, c.row.ID)
		if err != nil {
			return nil, errs.Wrap(err, "attach file")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, errs.FieldErrorf("attachments", "附件 %d 不属于此诉求或已使用", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// findAttachments lists an appeal's attachments.
func findAttachments(ctx context.Context, q store.Querier, id int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, appeal_id, event_seq, name, content_type, size, sha256, uploaded_by, created_at
		FROM appeal_attachments WHERE appeal_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "read attachments")
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var f Attachment
		var seq *int64
		var created int64
		if err := rows.Scan(&f.ID, &f.AppealID, &seq, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &created); err != nil {
			return nil, errs.Wrap(err, "read attachments")
		}
		if seq != nil {
			f.EventSeq = int(*seq)
		}
		f.CreatedAt = local(store.FromMillis(created))
		out = append(out, f)
	}
	return out, errs.Wrap(rows.Err(), "read attachments")
}

// Attach stores files for appeal ref, to be named by the next reply or
// supply of material (their "attachments"). Those who may supply material
// or handle the appeal (its responsible or co-handling unit) may call it
// while it is open. Errors: Unauthenticated, Forbidden, NotFound, Conflict
// (closed), Invalid (type, count), TooLarge.
func (s *Service) Attach(ctx context.Context, a *auth.Actor, ref string, uploads []Upload) ([]Attachment, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if !a.CanSome(auth.SupplyAppeal) && !a.CanSome(auth.HandleAppeal) {
		return nil, errs.Errorf(errs.Forbidden, "无权上传附件")
	}
	if len(uploads) == 0 {
		return nil, errs.FieldErrorf("files", "请选择要上传的文件")
	}
	var out []Attachment
	err := s.inTx(ctx, func(tx *store.Tx) error {
		c, _, err := s.load(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		if err := checkView(a, c); err != nil {
			return err
		}
		if !a.Can(auth.SupplyAppeal, c.view) && c.unitRole(a) != RoleMain && c.unitRole(a) != RoleCo {
			return forbid("无权为此诉求上传附件")
		}
		if !c.st.Status.Open() {
			return stateErr(c.st.Status, "上传附件")
		}
		ids, err := s.storeFiles(ctx, tx, a, c.row.ID, 0, uploads, s.now())
		if err != nil {
			return err
		}
		all, err := findAttachments(ctx, tx, c.row.ID)
		if err != nil {
			return err
		}
		for _, f := range all {
			for _, id := range ids {
				if f.ID == id {
					out = append(out, f)
				}
			}
		}
		return s.audit.Record(ctx, tx, "appeal", strconv.FormatInt(c.row.ID, 10), "attach", nil, out)
	})
	return out, err
}

// OpenAttachment returns attachment fileID of appeal ref with its bytes.
// Those who may read the appeal may call it. Errors: Unauthenticated,
// Forbidden, NotFound.
func (s *Service) OpenAttachment(ctx context.Context, a *auth.Actor, ref string, fileID int64) (*Attachment, []byte, error) {
	if a == nil {
		return nil, nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	c, _, err := s.load(ctx, s.db, ref, false)
	if err != nil {
		return nil, nil, err
	}
	if err := checkView(a, c); err != nil {
		return nil, nil, err
	}
	var f Attachment
	var seq *int64
	var created int64
	var data []byte
	err = s.db.QueryRowContext(ctx, `SELECT id, appeal_id, event_seq, name, content_type, size, sha256, uploaded_by, created_at, data
		FROM appeal_attachments WHERE id = ? AND appeal_id = ?`, fileID, c.row.ID).
		Scan(&f.ID, &f.AppealID, &seq, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &created, &data)
	if err != nil {
		return nil, nil, store.NotFound(err, "附件 %d 不存在", fileID)
	}
	if seq != nil {
		f.EventSeq = int(*seq)
	}
	f.CreatedAt = local(store.FromMillis(created))
	return &f, data, nil
}
