package parse

import (
	"regexp"
	"strconv"
	"strings"
)

// metaKeys are the field names of portal metadata tables (信息公开目录).
var metaKeys = map[string]bool{
	"索引号": true, "成文日期": true, "发文日期": true, "发布日期": true, "公开日期": true, "印发日期": true,
	"文号": true, "发文字号": true, "发文机关": true, "发布机构": true, "发文单位": true, "发布单位": true,
	"标题": true, "名称": true, "信息分类": true, "主题分类": true, "组配分类": true, "体裁分类": true,
	"公开方式": true, "有效性": true, "主题词": true, "公开范围": true, "所属机构": true, "生成日期": true,
	"信息来源": true, "统一编号": true, "公文种类": true, "废止日期": true, "实施日期": true, "时效": true,
	"登记号": true, "公开形式": true, "公开时限": true, "文种": true, "效力状态": true, "生效日期": true,
}

// metaKey returns the cell as a metadata key ("文 号:" → "文号"), or "".
func metaKey(cell string) string {
	k := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == ':' || r == '：' {
			return -1
		}
		return r
	}, cell)
	if metaKeys[k] {
		return k
	}
	return ""
}

// metaTable returns the key/value pairs of a metadata table, or nil when
// rows are not one.
func metaTable(rows [][]string) map[string]string {
	meta := map[string]string{}
	cells, keys := 0, 0
	for _, r := range rows {
		for i := 0; i < len(r); i++ {
			if strings.TrimSpace(r[i]) == "" {
				continue
			}
			cells++
			k := metaKey(r[i])
			if k == "" {
				continue
			}
			keys++
			if i+1 < len(r) && metaKey(r[i+1]) == "" {
				meta[k] = strings.TrimSpace(r[i+1])
				cells++
				i++
			}
		}
	}
	if keys < 2 || keys*2 < cells-1 {
		return nil
	}
	return meta
}

// column kinds of a 责任分解表.
const (
	colNone = iota
	colNum
	colTask
	colLead
	colUnits
	colCoop
	colDeadline
	colCategory
	colIndText   // 量化指标: targets in words, read with the task
	colIndName   // 指标名称: the measure of an indicator table's row
	colIndTarget // 2026年目标: the target of an indicator table's row
)

// taskColumn classifies a header cell of a task table.
func taskColumn(cell string) int {
	c := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '\n' {
			return -1
		}
		return r
	}, cell)
	switch {
	case c == "":
		return colNone
	case c == "序号" || c == "编号" || c == "序" || c == "项目编号" || c == "任务编号":
		return colNum
	case strings.Contains(c, "牵头") || c == "主责单位" || c == "主办单位":
		return colLead
	case strings.Contains(c, "配合") || strings.Contains(c, "协办") || strings.Contains(c, "参与单位") || strings.Contains(c, "协同单位"):
		return colCoop
	case strings.Contains(c, "责任单位") || strings.Contains(c, "责任部门") || strings.Contains(c, "承办单位") || strings.Contains(c, "实施单位") || strings.Contains(c, "责任主体"):
		return colUnits
	case strings.Contains(c, "时限") || strings.Contains(c, "完成时间") || strings.Contains(c, "时间节点") || strings.Contains(c, "进度安排") || c == "时间":
		return colDeadline
	case c == "类别" || c == "领域" || c == "方面" || c == "板块" || c == "分类" || c == "重点领域" || c == "项目类别" || c == "任务类别":
		return colCategory
	case c == "量化指标" || c == "考核指标" || c == "绩效指标" || c == "量化目标" || c == "预期成效":
		return colIndText
	case strings.Contains(c, "指标") && !strings.Contains(c, "目标"):
		return colIndName // 指标名称, 评价指标, 二级指标
	case strings.Contains(c, "任务") || strings.Contains(c, "措施") || strings.Contains(c, "内容") || strings.Contains(c, "事项") ||
		strings.Contains(c, "项目") || strings.Contains(c, "举措") || strings.Contains(c, "目标"):
		return colTask
	}
	return colNone
}

// Kinds of the lines a 责任分解表 becomes.
const (
	tableCategory = 'c' // a category heading: 一、
	tableRow      = 'r' // a row's numbered task
	tableLabel    = 'l' // a row's 牵头单位:/完成时限: line
)

// taskTable turns a 责任分解表 into lines the structure stage reads like
// text: a category column becomes 一、 headings, each row a numbered item
// followed by 牵头单位:/责任单位:/配合单位:/完成时限: lines. It returns nil
// when rows are not such a table, and the kind of each line.
func taskTable(rows [][]string) ([]string, []byte) {
	head := -1
	var cols []int
	for i := 0; i < len(rows) && i < 3; i++ {
		cs := make([]int, len(rows[i]))
		task, unit, name := false, false, false
		for j, c := range rows[i] {
			cs[j] = taskColumn(c)
			task = task || cs[j] == colTask
			unit = unit || cs[j] == colLead || cs[j] == colUnits || cs[j] == colCoop || cs[j] == colDeadline
			name = name || cs[j] == colIndName
		}
		if name && task {
			// An indicator table: 指标名称 | 2025年现状 | 2026年目标 — the
			// target column is the one that says 目标.
			for j, c := range rows[i] {
				if cs[j] == colTask && strings.Contains(c, "目标") {
					cs[j] = colIndTarget
				}
			}
		}
		if task && (unit || name) {
			head, cols = i, cs
			break
		}
	}
	if head < 0 {
		return nil, nil
	}
	// Two task columns, 重点任务 | 具体措施: the first names the area the
	// measures of the second belong to, a category.
	var taskCols []int
	for j, c := range cols {
		if c == colTask {
			taskCols = append(taskCols, j)
		}
	}
	if len(taskCols) == 2 && MeasuresUnder(rows[head][taskCols[0]], rows[head][taskCols[1]]) {
		cols[taskCols[0]] = colCategory
	}
	// A header over two rows: 责任单位 spanning 牵头单位 | 配合单位 below it.
	// The row below names finer columns and holds no task of its own; a
	// cell repeating the header's above it is a header spanning both rows.
	if head+1 < len(rows) {
		sub := make([]int, len(rows[head+1]))
		fine, task := 0, false
		for j, c := range rows[head+1] {
			if j < len(rows[head]) && strings.TrimSpace(c) == strings.TrimSpace(rows[head][j]) {
				continue
			}
			switch sub[j] = taskColumn(c); {
			case sub[j] == colLead || sub[j] == colCoop || sub[j] == colUnits || sub[j] == colDeadline:
				fine++
			case sub[j] == colNone && strings.TrimSpace(c) != "", sub[j] == colTask:
				task = true // a data row, or a category row (一、重点任务)
			}
		}
		if fine > 0 && !task {
			for j := range sub {
				if sub[j] != colNone {
					if j >= len(cols) {
						cols = append(cols, make([]int, j+1-len(cols))...)
					}
					cols[j] = sub[j]
				}
			}
			head++
		}
	}
	// 2026年目标: the year a target column names is when its targets are due.
	targetYear := ""
	for j, c := range cols {
		if c == colIndTarget {
			if m := yearRE.FindString(rows[head][j]); m != "" {
				targetYear = m + "底"
			}
		}
	}
	var lines []string
	var kinds []byte
	category, cat, seq := "", 0, 0
	for _, r := range rows[head+1:] {
		var num, task, lead, units, coop, deadline, cg, indText, indName, indTarget string
		for j, c := range r {
			if j >= len(cols) {
				break
			}
			c = strings.TrimSpace(c)
			switch cols[j] {
			case colNum:
				num = c
			case colTask:
				task = joinCell(task, c)
			case colLead:
				lead = joinCell(lead, c)
			case colUnits:
				units = joinCell(units, c)
			case colCoop:
				coop = joinCell(coop, c)
			case colDeadline:
				deadline = joinCell(deadline, c)
			case colCategory:
				cg = c
			case colIndText:
				indText = joinCell(indText, c)
			case colIndName:
				indName = c
			case colIndTarget:
				indTarget = c
			}
		}
		if indName != "" && indTarget != "" && deadline == "" {
			deadline = targetYear
		}
		if indName != "" && indTarget != "" {
			// 开办企业时间 | 0.5个工作日以内: the row's indicator, or its
			// task when the table has no task column
			if named := indName + indTarget; task == "" {
				task = named
			} else {
				indText = joinCell(indText, named)
			}
		}
		if indText != "" && task != "" {
			task = strings.TrimRight(task, "。；; ") + "。" + indText
		}
		if task == "" {
			if cg != "" && cg != category && num == "" {
				category = cg
				cat++
				lines = append(lines, chineseNumeral(cat)+"、"+cg)
				kinds = append(kinds, tableCategory)
			}
			continue
		}
		if cg != "" && cg != category {
			category = cg
			cat++
			lines = append(lines, chineseNumeral(cat)+"、"+cg)
			kinds = append(kinds, tableCategory)
		}
		seq++
		marker := strconv.Itoa(seq) + "."
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(num, "."), "、")); err == nil && n > 0 {
			marker = strconv.Itoa(n) + "."
			seq = n
		} else if n := parseChineseNumber(strings.TrimSuffix(num, "、")); n > 0 {
			marker = chineseNumeral(n) + "、"
		}
		lines = append(lines, marker+strings.ReplaceAll(task, "\n", ""))
		kinds = append(kinds, tableRow)
		for _, l := range [][2]string{{"牵头单位", lead}, {"责任单位", units}, {"配合单位", coop}, {"完成时限", deadline}} {
			if v := strings.TrimSpace(strings.ReplaceAll(l[1], "\n", "、")); v != "" && v != "/" && v != "—" && v != "-" {
				lines = append(lines, l[0]+"："+v)
				kinds = append(kinds, tableLabel)
			}
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	return lines, kinds
}

// yearRE is a year written in a header: 2026年.
var yearRE = regexp.MustCompile(`20\d\d年`)

// MeasuresUnder reports whether, by their headers, a table's second task
// column holds the measures of its first: 重点任务 | 具体措施 (not 任务 |
// 目标任务). The first then names areas, not tasks.
func MeasuresUnder(first, second string) bool {
	return strings.Contains(first, "任务") && !strings.Contains(second, "任务") &&
		(strings.Contains(second, "措施") || strings.Contains(second, "举措") || strings.Contains(second, "具体"))
}

func joinCell(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "；" + b
}
