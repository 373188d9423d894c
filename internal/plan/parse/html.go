package parse

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// decodeHTML keeps the text of a portal page: scripts, styles, navigation,
// forms and link lists are dropped, block elements end lines, and tables
// become metadata, task lines or plain lines (see addTable).
func decodeHTML(text string) *source {
	src := &source{meta: map[string]string{}}
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil { // html.Parse only fails on reader errors
		return decodeText(text)
	}
	var line strings.Builder
	flush := func() {
		if t := strings.TrimSpace(line.String()); t != "" {
			src.lines = append(src.lines, t)
		}
		line.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			line.WriteString(strings.Map(func(r rune) rune {
				if r == '\n' || r == '\r' || r == '\t' {
					return ' '
				}
				return r
			}, n.Data))
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Head, atom.Nav, atom.Header, atom.Footer, atom.Aside,
				atom.Form, atom.Select, atom.Button, atom.Iframe, atom.Svg, atom.Textarea, atom.Input, atom.Object:
				return
			case atom.Table:
				flush()
				if rows := tableRows(n); len(rows) > 0 {
					src.addTable(rows)
				}
				return
			case atom.Br:
				flush()
				return
			}
			if linkList(n) || furniture(n) {
				return
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(doc)
	flush()
	return src
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Dl, atom.Dt, atom.Dd, atom.Tr, atom.Center,
		atom.Body, atom.Main, atom.Hr, atom.Address, atom.Figure, atom.Figcaption:
		return true
	}
	return false
}

// linkList reports whether n is a list or block whose text is nearly all
// links (a menu, breadcrumbs, a list of related articles).
func linkList(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Div, atom.Dl, atom.P, atom.Span, atom.Td:
	default:
		return false
	}
	total, linked := 0, 0
	var count func(n *html.Node, inLink bool)
	count = func(n *html.Node, inLink bool) {
		if n.Type == html.TextNode {
			k := len([]rune(strings.TrimSpace(n.Data)))
			total += k
			if inLink {
				linked += k
			}
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		in := inLink || (n.Type == html.ElementNode && n.DataAtom == atom.A)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			count(c, in)
		}
	}
	count(n, false)
	return total > 0 && linked*10 >= total*8 && total < 400
}

// tableRows returns the text of each cell of each row of a table (cells of
// nested tables are flattened into their cell), laid out on the table's
// grid: a cell spanning rows (rowspan) is repeated in each row it covers, a
// cell spanning columns (colspan) stands in its first column and leaves the
// others empty, so every column keeps its meaning.
func tableRows(t *html.Node) [][]string {
	var rows [][]string
	carry := map[int]spanCell{} // column → a cell spanning down into later rows
	var findRows func(n *html.Node)
	findRows = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Tr:
				var row []string
				col := 0
				fill := func() {
					for {
						sc, ok := carry[col]
						if !ok {
							return
						}
						row = append(row, sc.text)
						if sc.left--; sc.left <= 0 {
							delete(carry, col)
						} else {
							carry[col] = sc
						}
						col++
					}
				}
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type != html.ElementNode || (td.DataAtom != atom.Td && td.DataAtom != atom.Th) {
						continue
					}
					fill()
					text := strings.TrimSpace(nodeText(td))
					rs, cs := span(td, "rowspan"), span(td, "colspan")
					if rs > 1 {
						carry[col] = spanCell{text: text, left: rs - 1}
					}
					row = append(row, text)
					col++
					for k := 1; k < cs; k++ {
						row = append(row, "")
						col++
					}
				}
				fill()
				rows = append(rows, row)
			default:
				// a nested table directly inside, tbody, thead: read its rows too
				findRows(c)
			}
		}
	}
	findRows(t)
	return rows
}

// spanCell is a cell that spans further rows.
type spanCell struct {
	text string
	left int // rows still to cover
}

// span reads a rowspan or colspan attribute (1 when absent, at most 1000).
func span(n *html.Node, key string) int {
	for _, a := range n.Attr {
		if a.Key == key {
			if v, err := strconv.Atoi(strings.TrimSpace(a.Val)); err == nil && v > 1 {
				return min(v, 1000)
			}
		}
	}
	return 1
}

// nodeText is the text of n with block boundaries as newlines.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(strings.TrimSpace(n.Data))
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style:
				return
			case atom.Br:
				b.WriteByte('\n')
				return
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte('\n')
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// furniture reports whether an element is a page's navigation, footer,
// breadcrumbs or sharing bar by its class or id.
func furniture(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		v := strings.ToLower(a.Val)
		for _, w := range []string{"footer", "foot", "copyright", "nav", "menu", "crumb", "share", "sidebar", "header", "topbar"} {
			if strings.Contains(v, w) {
				return true
			}
		}
	}
	return false
}
