package enterprise

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// The 统一社会信用代码 (unified social credit code, GB 32100-2015) has 18
// characters:
//
//	position  1     registration authority code (登记管理部门代码), e.g. 9 工商/市场监管
//	position  2     entity type code (机构类别代码), e.g. 1 企业, 2 个体工商户, 3 农民专业合作社
//	positions 3-8   division code of the registration authority (GB/T 2260)
//	positions 9-17  organisation code (主体标识码, GB 11714): 8 body characters and a check character
//	position  18    check character over positions 1-17
//
// All characters come from USCCAlphabet, which leaves out I, O, Z, S and V.

// USCCAlphabet is the character set of the 统一社会信用代码, in the order that
// gives each character its value (0-30) in the check-character computation.
const USCCAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue returns the value of c in USCCAlphabet, or -1.
func usccValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 10
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 18
	case c >= 'P' && c <= 'R':
		return int(c-'P') + 23
	case c == 'T' || c == 'U':
		return int(c-'T') + 26
	case c >= 'W' && c <= 'Y':
		return int(c-'W') + 28
	}
	return -1
}

// usccCheck computes the GB 32100 check character of the first 17
// characters of body: weights 3^i mod 31, check = (31 - sum mod 31) mod 31.
// It returns 0 when body is shorter than 17 or holds a character outside
// USCCAlphabet.
func usccCheck[T ~string | ~[]byte](body T) byte {
	if len(body) < 17 {
		return 0
	}
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28} // 3^i mod 31
	sum := 0
	for i, w := range weights {
		v := usccValue(body[i])
		if v < 0 {
			return 0
		}
		sum += v * w
	}
	return USCCAlphabet[(31-sum%31)%31]
}

// orgValue returns the GB 11714 value of c (0-9, A-Z as 10-35), or -1.
func orgValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// orgCheck computes the GB 11714 check character of the first 8 characters
// of body: weights 3,7,9,10,5,8,4,2, check = 11 - sum mod 11, with 10 written
// X and 11 written 0. It returns 0 when body is shorter than 8 or holds a
// character outside 0-9, A-Z.
func orgCheck[T ~string | ~[]byte](body T) byte {
	if len(body) < 8 {
		return 0
	}
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		v := orgValue(body[i])
		if v < 0 {
			return 0
		}
		sum += v * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// USCCCheckChar returns the check character (position 18) of a 统一社会信用代码
// whose first 17 characters are body17, or 0 when body17 is not 17
// characters of USCCAlphabet.
func USCCCheckChar(body17 string) byte {
	if len(body17) != 17 {
		return 0
	}
	return usccCheck(body17)
}

// OrgCodeCheckChar returns the GB 11714 check character of an organisation
// code body of 8 characters (0-9, A-Z), or 0 when body8 is not such a body.
func OrgCodeCheckChar[T ~string | ~[]byte](body8 T) byte {
	if len(body8) != 8 {
		return 0
	}
	return orgCheck(body8)
}

// normalizeCode trims surrounding space (including the ideographic space),
// turns full-width ASCII into half-width and upper-cases letters. Codes
// pasted from Word documents and web pages arrive in all these forms.
func normalizeCode(s string) string {
	s = strings.TrimSpace(s)
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c >= 'a' && c <= 'z') {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII block
			r -= 0xFEE0
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// usccErr returns an Invalid error about the field uscc.
func usccErr(format string, args ...any) *errs.Error {
	return errs.FieldErrorf("uscc", format, args...)
}

// ParseUSCC validates a 统一社会信用代码 and returns its canonical form: 18
// upper-case half-width characters. It trims surrounding space, upper-cases
// letters and turns full-width characters into half-width ones first.
//
// It returns an Invalid error on field "uscc" whose Chinese message says what
// is wrong: the length, the first illegal character and its position, the
// organisation-code check character (position 17) or the final check
// character (position 18), naming the expected character. The division code
// (positions 3-8) is never checked against a list of districts: codes are
// issued by the registering authority, which may be the province or another
// city.
//
// When only a check character is wrong, ParseUSCC returns the normalised code
// together with the error, so that an importer may accept it with a warning:
// a few codes really issued (for example in Xiamen before 2016, such as
// 91350203M0001QKT19) fail the final check. Callers that want strict
// validation ignore the code whenever err is not nil.
func ParseUSCC(s string) (string, error) {
	u := normalizeCode(s)
	if u == "" {
		return "", usccErr("统一社会信用代码不能为空")
	}
	if n := utf8.RuneCountInString(u); n != 18 {
		return "", usccErr("统一社会信用代码长度不对（应为18位，实际%d位）", n)
	}
	pos := 0
	for _, r := range u {
		pos++
		if r >= utf8.RuneSelf || usccValue(byte(r)) < 0 {
			hint := ""
			switch r {
			case 'I', 'O', 'Z', 'S', 'V':
				hint = "，统一社会信用代码不使用字母I、O、Z、S、V"
			}
			return "", usccErr("统一社会信用代码含非法字符（第%d位“%c”%s）", pos, r, hint)
		}
	}
	for i := 2; i < 8; i++ {
		if u[i] < '0' || u[i] > '9' {
			return "", usccErr("统一社会信用代码含非法字符（第%d位“%c”，第3至8位是行政区划代码，只能是数字）", i+1, u[i])
		}
	}
	if want := orgCheck(u[8:16]); u[16] != want {
		return u, usccErr("统一社会信用代码中的组织机构代码校验位错误（第17位应为“%c”，实际为“%c”）", want, u[16])
	}
	if want := usccCheck(u); u[17] != want {
		return u, usccErr("统一社会信用代码校验位错误（第18位应为“%c”，实际为“%c”）", want, u[17])
	}
	return u, nil
}

// MakeUSCC builds a valid 统一社会信用代码 from its parts: the registration
// authority code (e.g. '9'), the entity type code (e.g. '1' 企业), the 6-digit
// division code and the 8-character organisation code body; it computes the
// organisation-code check character and the final check character. It
// returns an Invalid error on field "uscc" when a part is malformed.
func MakeUSCC(authority, entityType byte, division, orgBody string) (string, error) {
	if usccValue(authority) < 0 {
		return "", usccErr("登记管理部门代码“%c”不是统一社会信用代码字符", authority)
	}
	if usccValue(entityType) < 0 {
		return "", usccErr("机构类别代码“%c”不是统一社会信用代码字符", entityType)
	}
	if len(division) != 6 {
		return "", usccErr("行政区划代码应为6位数字，实际为“%s”", division)
	}
	if _, err := strconv.ParseUint(division, 10, 32); err != nil {
		return "", usccErr("行政区划代码应为6位数字，实际为“%s”", division)
	}
	if len(orgBody) != 8 {
		return "", usccErr("组织机构代码本体应为8位，实际为“%s”", orgBody)
	}
	var b [18]byte
	b[0], b[1] = authority, entityType
	copy(b[2:8], division)
	for i := 0; i < 8; i++ {
		if usccValue(orgBody[i]) < 0 {
			return "", usccErr("组织机构代码本体含非法字符（第%d位“%c”）", i+1, orgBody[i])
		}
		b[8+i] = orgBody[i]
	}
	completeUSCC(&b)
	return string(b[:]), nil
}

// completeUSCC fills positions 17 and 18 of b, whose first 16 characters
// must be valid.
func completeUSCC(b *[18]byte) {
	b[16] = orgCheck(b[8:16])
	b[17] = usccCheck(b[:17])
}

// KindOfUSCC returns the market-entity kind (one of Kinds) that the first two
// characters of a 统一社会信用代码 imply: 91 企业, 92 个体工商户, 93 农民专业合作社,
// anything else 其他 (机关, 事业单位, 社会团体, 民办非企业单位 …). It returns ""
// when code is shorter than 2 characters.
func KindOfUSCC(code string) string {
	if len(code) < 2 {
		return ""
	}
	if code[0] == '9' {
		switch code[1] {
		case '1':
			return "企业"
		case '2':
			return "个体工商户"
		case '3':
			return "农民专业合作社"
		}
	}
	return "其他"
}
