package parse

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// maxDOCXPart bounds the uncompressed size of a part read from a .docx.
const maxDOCXPart = 64 << 20

// decodeDOCX reads word/document.xml: paragraphs become lines (automatic
// list numbering resolved through word/numbering.xml and written in front
// of the text, as the reader sees it), tables go through addTable.
func decodeDOCX(data []byte) (*source, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errs.FieldErrorf("file", "文件不是有效的 .docx 文档")
	}
	part := func(name string) ([]byte, error) {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				b, err := io.ReadAll(io.LimitReader(rc, maxDOCXPart+1))
				if err != nil {
					return nil, err
				}
				if len(b) > maxDOCXPart {
					return nil, errs.Errorf(errs.TooLarge, "文档内容过大")
				}
				return b, nil
			}
		}
		return nil, nil
	}
	body, err := part("word/document.xml")
	if err != nil || body == nil {
		if errs.CodeOf(err) == errs.TooLarge {
			return nil, err
		}
		return nil, errs.FieldErrorf("file", "文件不是有效的 .docx 文档（缺少 word/document.xml）")
	}
	numXML, _ := part("word/numbering.xml")
	num := readNumbering(numXML)
	stylesXML, _ := part("word/styles.xml")
	num.readStyles(stylesXML)
	src := &source{meta: map[string]string{}}
	if err := readDocument(body, num, src); err != nil {
		return nil, errs.FieldErrorf("file", "无法读取 .docx 文档内容")
	}
	return src, nil
}

// numLevel is one level of a list definition.
type numLevel struct {
	start int
	fmt   string
	text  string
}

// numbering resolves w:numPr into the numbers Word would show.
type numbering struct {
	abstract map[string]map[int]numLevel // abstractNumId → ilvl → level
	nums     map[string]string           // numId → abstractNumId
	counters map[string][]int            // abstractNumId → counter per level
	// Numbering given by a paragraph style rather than the paragraph: a
	// style's own w:numPr (styles.xml), or a list level that names the
	// style (w:lvl/w:pStyle in numbering.xml).
	styles    map[string]styleNum // styleId → its numbering and the style it is based on
	levelOf   map[string]styleNum // styleId → the list level that names it
	abstracts map[string]string   // abstractNumId → a numId using it
}

// styleNum is the numbering a paragraph style carries.
type styleNum struct {
	numID   string
	ilvl    int // -1: not written
	basedOn string
}

func readNumbering(data []byte) *numbering {
	n := &numbering{abstract: map[string]map[int]numLevel{}, nums: map[string]string{}, counters: map[string][]int{},
		styles: map[string]styleNum{}, levelOf: map[string]styleNum{}, abstracts: map[string]string{}}
	if data == nil {
		return n
	}
	levelStyle := map[[2]string]string{} // (abstractNumId, ilvl) → styleId
	d := xml.NewDecoder(bytes.NewReader(data))
	var abs, num string
	lvl := -1
	var cur numLevel
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "abstractNum":
				abs = attr(t, "abstractNumId")
				n.abstract[abs] = map[int]numLevel{}
			case "lvl":
				lvl, _ = strconv.Atoi(attr(t, "ilvl"))
				cur = numLevel{start: 1, fmt: "decimal"}
			case "start":
				if lvl >= 0 {
					cur.start, _ = strconv.Atoi(attr(t, "val"))
				}
			case "numFmt":
				if lvl >= 0 {
					cur.fmt = attr(t, "val")
				}
			case "lvlText":
				if lvl >= 0 {
					cur.text = attr(t, "val")
				}
			case "pStyle":
				if lvl >= 0 && abs != "" {
					levelStyle[[2]string{abs, strconv.Itoa(lvl)}] = attr(t, "val")
				}
			case "num":
				num = attr(t, "numId")
			case "abstractNumId":
				if num != "" {
					a := attr(t, "val")
					n.nums[num] = a
					if _, ok := n.abstracts[a]; !ok {
						n.abstracts[a] = num
					}
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "lvl":
				if abs != "" && lvl >= 0 && n.abstract[abs] != nil {
					n.abstract[abs][lvl] = cur
				}
				lvl = -1
			case "num":
				num = ""
			case "abstractNum":
				abs = ""
			}
		}
	}
	for k, style := range levelStyle {
		if numID, ok := n.abstracts[k[0]]; ok {
			lv, _ := strconv.Atoi(k[1])
			n.levelOf[style] = styleNum{numID: numID, ilvl: lv}
		}
	}
	return n
}

// readStyles reads the numbering of paragraph styles from word/styles.xml.
func (n *numbering) readStyles(data []byte) {
	if data == nil {
		return
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	id := ""
	var cur styleNum
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "style":
				id, cur = attr(t, "styleId"), styleNum{ilvl: -1}
			case "basedOn":
				cur.basedOn = attr(t, "val")
			case "numId":
				cur.numID = attr(t, "val")
			case "ilvl":
				cur.ilvl, _ = strconv.Atoi(attr(t, "val"))
			}
		case xml.EndElement:
			if t.Name.Local == "style" && id != "" {
				n.styles[id] = cur
				id = ""
			}
		}
	}
}

// styleNumbering returns the list and level a paragraph of style id takes
// from its style (following w:basedOn), or "" when the style numbers none.
func (n *numbering) styleNumbering(id string) (string, int) {
	lvl := -1 // the level of the first style in the chain that writes one
	for depth := 0; id != "" && depth < 10; depth++ {
		if l, ok := n.levelOf[id]; ok {
			if lvl < 0 {
				lvl = l.ilvl
			}
			return l.numID, lvl
		}
		st, ok := n.styles[id]
		if !ok {
			return "", 0
		}
		if lvl < 0 {
			lvl = st.ilvl
		}
		if st.numID != "" {
			return st.numID, max(lvl, 0)
		}
		id = st.basedOn
	}
	return "", 0
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// label returns the number text of the next paragraph of list numID at level ilvl.
func (n *numbering) label(numID string, ilvl int) string {
	abs, ok := n.nums[numID]
	if !ok || ilvl < 0 || ilvl > 8 {
		return ""
	}
	levels := n.abstract[abs]
	lv, ok := levels[ilvl]
	if !ok || lv.fmt == "bullet" || lv.fmt == "none" {
		return ""
	}
	c := n.counters[abs]
	if c == nil {
		c = make([]int, 9)
		for i := range c {
			c[i] = -1
		}
	}
	if c[ilvl] < 0 {
		c[ilvl] = lv.start
	} else {
		c[ilvl]++
	}
	for i := ilvl + 1; i < len(c); i++ {
		c[i] = -1
	}
	n.counters[abs] = c
	text := lv.text
	for i := 0; i <= ilvl; i++ {
		v := c[i]
		if v < 0 {
			v = levels[i].start
		}
		text = strings.ReplaceAll(text, "%"+strconv.Itoa(i+1), formatNumber(v, levels[i].fmt))
	}
	return text
}

// formatNumber writes v in a Word number format.
func formatNumber(v int, f string) string {
	switch f {
	case "chineseCounting", "chineseCountingThousand", "ideographTraditional", "japaneseCounting", "taiwaneseCounting", "chineseLegalSimplified":
		return chineseNumeral(v)
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if v >= 1 && v <= 20 {
			return string(rune(0x2460 + v - 1))
		}
	case "lowerLetter":
		if v >= 1 && v <= 26 {
			return string(rune('a' + v - 1))
		}
	case "upperLetter":
		if v >= 1 && v <= 26 {
			return string(rune('A' + v - 1))
		}
	}
	return strconv.Itoa(v)
}

// readDocument streams document.xml into src.
func readDocument(body []byte, num *numbering, src *source) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	var (
		para       strings.Builder
		inText     bool
		skip       int // depth inside w:del, w:instrText …
		numID      string
		ilvl       int
		hasLvl     bool   // the paragraph wrote its level
		pStyle     string // the paragraph's style
		tblDepth   int
		tables     [][][]string // stack of tables being read
		cell       strings.Builder
		cellDepth  int
		gridSpan   int  // columns the cell spans
		vMergeCont bool // the cell continues the one above
	)
	endPara := func() {
		text := para.String()
		para.Reset()
		prefix := ""
		if numID == "" && pStyle != "" {
			sn, sl := num.styleNumbering(pStyle)
			numID = sn
			if !hasLvl {
				ilvl = sl
			}
		}
		if numID != "" && numID != "0" {
			prefix = num.label(numID, ilvl)
		}
		numID, ilvl, hasLvl, pStyle = "", 0, false, ""
		if tblDepth > 0 {
			if cell.Len() > 0 {
				cell.WriteByte('\n')
			}
			cell.WriteString(prefix + text)
			return
		}
		for l := range strings.SplitSeq(prefix+text, "\n") {
			src.lines = append(src.lines, l)
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			switch t.Name.Local {
			case "del", "instrText", "delText", "footnoteReference", "commentReference":
				skip = 1
			case "t":
				inText = true
			case "tab":
				para.WriteByte(' ')
			case "br", "cr":
				para.WriteByte('\n')
			case "numId":
				numID = attr(t, "val")
			case "ilvl":
				ilvl, _ = strconv.Atoi(attr(t, "val"))
				hasLvl = true
			case "pStyle":
				pStyle = attr(t, "val")
			case "tbl":
				tblDepth++
				if tblDepth == 1 {
					tables = append(tables, nil)
				}
			case "tr":
				if tblDepth == 1 {
					tables[len(tables)-1] = append(tables[len(tables)-1], nil)
				}
			case "tc":
				if tblDepth == 1 {
					cell.Reset()
					cellDepth = 1
					gridSpan, vMergeCont = 1, false
				}
			case "gridSpan":
				if tblDepth == 1 && cellDepth == 1 {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil && n > 1 {
						gridSpan = min(n, 64)
					}
				}
			case "vMerge":
				if tblDepth == 1 && cellDepth == 1 {
					v := attr(t, "val")
					vMergeCont = v == "" || v == "continue"
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				endPara()
			case "tc":
				if tblDepth == 1 && cellDepth == 1 {
					tb := tables[len(tables)-1]
					if len(tb) > 0 {
						row := tb[len(tb)-1]
						text := strings.TrimSpace(cell.String())
						if col := len(row); vMergeCont && len(tb) > 1 && col < len(tb[len(tb)-2]) {
							text = tb[len(tb)-2][col] // a cell merged down from the row above
						}
						row = append(row, text)
						for k := 1; k < gridSpan; k++ {
							row = append(row, "") // a cell merged across: its text in its first column
						}
						tb[len(tb)-1] = row
					}
					cell.Reset()
					cellDepth = 0
				}
			case "tbl":
				tblDepth--
				if tblDepth == 0 && len(tables) > 0 {
					src.addTable(tables[len(tables)-1])
					tables = tables[:len(tables)-1]
				}
			}
		case xml.CharData:
			if inText && skip == 0 {
				para.Write(t)
			}
		}
	}
	return nil
}
