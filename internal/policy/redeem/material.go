package redeem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Limits of the materials of one application or objection.
const (
	MaxMaterialBytes = 10 << 20 // one file
	MaxMaterials     = 20       // files per submission
	MaxMaterialTotal = 50 << 20 // all files of one submission
)

// Owners of materials.
const (
	ownerApplication = "application"
	ownerObjection   = "objection"
)

// Upload is a file an enterprise sends with an application or objection:
// the required material it answers (Label, one of the clause's materials
// or "" for other evidence), the file's name and its content.
type Upload struct {
	Label string
	Name  string
	Data  []byte
}

// Material is a stored file, without its content.
type Material struct {
	ID          int64     `json:"id"`
	Label       string    `json:"label"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// fileKind is a type of file accepted as material: its extensions, how its
// content begins and the type it is sent back with (always as an
// attachment).
type fileKind struct {
	exts  []string
	magic string
	ctype string
}

// fileKinds are the accepted materials: PDF and OFD documents, JPEG and PNG
// scans, Word and Excel files. Nothing executable, no HTML or SVG (which a
// browser would run), and the content must be what the name says.
var fileKinds = []fileKind{
	{[]string{".pdf"}, "%PDF-", "application/pdf"},
	{[]string{".jpg", ".jpeg"}, "\xFF\xD8\xFF", "image/jpeg"},
	{[]string{".png"}, "\x89PNG\r\n\x1a\n", "image/png"},
	{[]string{".ofd"}, "PK\x03\x04", "application/ofd"},
	{[]string{".docx"}, "PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{[]string{".xlsx"}, "PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}

// AcceptedTypes lists the accepted file extensions, for forms.
const AcceptedTypes = ".pdf,.ofd,.jpg,.jpeg,.png,.docx,.xlsx"

// checkUploads checks files and returns their stored forms. labels are the
// materials the clause asks for: each needs at least one file when
// required. Errors: Invalid (field materials) naming the file, TooLarge.
func checkUploads(files []Upload, labels []string, required bool) ([]storedFile, error) {
	if len(files) > MaxMaterials {
		return nil, errs.FieldErrorf("materials", "一次最多上传 %d 个文件", MaxMaterials)
	}
	var total int
	out := make([]storedFile, 0, len(files))
	have := map[string]bool{}
	for _, f := range files {
		total += len(f.Data)
		if total > MaxMaterialTotal {
			return nil, errs.Errorf(errs.TooLarge, "材料合计不能超过 %d MB", MaxMaterialTotal>>20)
		}
		sf, err := checkUpload(f)
		if err != nil {
			return nil, err
		}
		if sf.label != "" && !contains(labels, sf.label) {
			return nil, errs.FieldErrorf("materials", "“%s”不是本条款要求的材料", sf.label)
		}
		have[sf.label] = true
		out = append(out, sf)
	}
	if required {
		for _, l := range labels {
			if !have[l] {
				return nil, errs.FieldErrorf("materials", "请上传“%s”", l)
			}
		}
	}
	return out, nil
}

// storedFile is a checked upload.
type storedFile struct {
	label, name, ctype, sum string
	data                    []byte
}

// checkUpload checks one file: not empty, at most MaxMaterialBytes, an
// accepted kind whose content matches its extension; its name is kept
// without directories or control characters. Errors: Invalid, TooLarge.
func checkUpload(f Upload) (storedFile, error) {
	name := cleanName(f.Name)
	if name == "" {
		name = "材料"
	}
	switch {
	case len(f.Data) == 0:
		return storedFile{}, errs.FieldErrorf("materials", "文件“%s”是空的", name)
	case len(f.Data) > MaxMaterialBytes:
		return storedFile{}, errs.Errorf(errs.TooLarge, "文件“%s”超过 %d MB", name, MaxMaterialBytes>>20)
	}
	ext := strings.ToLower(path.Ext(name))
	for _, k := range fileKinds {
		if !contains(k.exts, ext) {
			continue
		}
		if !bytes.HasPrefix(f.Data, []byte(k.magic)) {
			return storedFile{}, errs.FieldErrorf("materials", "文件“%s”的内容不是%s文件", name, strings.ToUpper(strings.TrimPrefix(ext, ".")))
		}
		sum := sha256.Sum256(f.Data)
		return storedFile{label: strings.TrimSpace(f.Label), name: name, ctype: k.ctype, sum: hex.EncodeToString(sum[:]), data: f.Data}, nil
	}
	return storedFile{}, errs.FieldErrorf("materials", "文件“%s”的类型不支持（可上传：PDF、OFD、JPG、PNG、DOCX、XLSX）", name)
}

// cleanName keeps the last element of a file name, without control or
// format characters and quotes, at most 100 characters.
func cleanName(n string) string {
	n = strings.ReplaceAll(n, "\\", "/")
	if i := strings.LastIndexByte(n, '/'); i >= 0 {
		n = n[i+1:]
	}
	var b strings.Builder
	for _, r := range n {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '\'' {
			continue
		}
		b.WriteRune(r)
	}
	n = strings.TrimSpace(b.String())
	if utf8.RuneCountInString(n) > 100 {
		ext := path.Ext(n)
		n = string([]rune(n)[:100-utf8.RuneCountInString(ext)]) + ext
	}
	return strings.Trim(n, ". ")
}

// storeFiles writes files as materials of owner in tx.
func (s *Service) storeFiles(ctx context.Context, tx *store.Tx, kind string, owner, enterpriseID int64, a *auth.Actor, files []storedFile) error {
	for _, f := range files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_materials (owner_kind, owner_id, enterprise_id, label, name, content_type, size, sha256,
			content, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			kind, owner, enterpriseID, f.label, f.name, f.ctype, len(f.data), f.sum, f.data, a.PersonRef(), store.Millis(s.now())); err != nil {
			return errs.Wrap(err, "store material")
		}
	}
	return nil
}

// materials lists the materials of owner, without content.
func (s *Service) materials(ctx context.Context, kind string, owner int64) ([]Material, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, label, name, content_type, size, sha256, created_at FROM policy_materials
		WHERE owner_kind = ? AND owner_id = ? ORDER BY id`, kind, owner)
	if err != nil {
		return nil, errs.Wrap(err, "read materials")
	}
	defer rows.Close()
	out := []Material{}
	for rows.Next() {
		var m Material
		var at int64
		if err := rows.Scan(&m.ID, &m.Label, &m.Name, &m.ContentType, &m.Size, &m.SHA256, &at); err != nil {
			return nil, errs.Wrap(err, "read materials")
		}
		m.CreatedAt = store.FromMillis(at)
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "read materials")
}

// FindMaterial returns material id and its content, for those who may read
// the application or objection it belongs to. Errors: Unauthenticated,
// NotFound (also for a file a may not read).
func (s *Service) FindMaterial(ctx context.Context, a *auth.Actor, id int64) (*Material, []byte, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, nil, err
	}
	var m Material
	var kind string
	var owner, at int64
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT id, owner_kind, owner_id, label, name, content_type, size, sha256, content, created_at
		FROM policy_materials WHERE id = ?`, id).Scan(&m.ID, &kind, &owner, &m.Label, &m.Name, &m.ContentType, &m.Size, &m.SHA256, &data, &at)
	if err != nil {
		return nil, nil, store.NotFound(err, "材料（编号%d）不存在", id)
	}
	m.CreatedAt = store.FromMillis(at)
	switch kind {
	case ownerApplication:
		_, err = s.FindApplicationByID(ctx, a, owner)
	case ownerObjection:
		_, err = s.FindObjectionByID(ctx, a, owner)
	default:
		err = errs.Errorf(errs.NotFound, "材料不存在")
	}
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return nil, nil, errs.Errorf(errs.NotFound, "材料（编号%d）不存在", id)
		}
		return nil, nil, err
	}
	return &m, data, nil
}
