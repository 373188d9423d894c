package appeal

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/cleantext"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), mapped onto
// the catalogue and appeals: a service is a category of the catalogue
// (service_code = its code), a service request an appeal
// (service_request_id = its number), status open or closed.

// Open311Service is one service of services.json.
type Open311Service struct {
	Code        string `json:"service_code"`
	Name        string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

// Open311Services returns the catalogue's categories as Open311 services.
// Anyone signed in (an API token) may call it. Errors: Unauthenticated,
// Internal.
func (s *Service) Open311Services(ctx context.Context, a *auth.Actor) ([]Open311Service, error) {
	cat, err := s.FindCatalogue(ctx, a, 0)
	if err != nil {
		return nil, err
	}
	out := []Open311Service{}
	for _, e := range cat.Entries {
		out = append(out, Open311Service{Code: e.Code, Name: e.Category, Description: e.Description, Type: "realtime",
			Keywords: e.Category, Group: e.Group})
	}
	return out, nil
}

// Open311Intake maps the form of POST requests.json onto an intake:
// service_code → category, description → content (and the title),
// first_name and last_name → contact, phone, address_string (kept in the
// content), and the extension attributes attribute[uscc],
// attribute[enterprise_name], attribute[district], attribute[title] and
// attribute[external_ref] (the client's own reference, for idempotent
// retries; device_id serves when it is absent). It reads the form only;
// File checks the rest. Errors: Invalid naming the Open311 field.
func Open311Intake(form url.Values) (Intake, error) {
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	// The web's input check refuses these at the door; the mapping holds
	// the rule too, since it joins fields into the content.
	for k, vs := range form {
		for _, v := range vs {
			if p := cleantext.Problem(v, k == "description"); p != "" {
				return Intake{}, errs.FieldErrorf(k, "%s%s", k, p)
			}
		}
	}
	in := Intake{Channel: string(ChannelOpen311), Category: get("service_code"), Content: get("description"),
		ContactPhone: get("phone"), USCC: get("attribute[uscc]"), EnterpriseName: get("attribute[enterprise_name]"),
		District: get("attribute[district]"), Title: get("attribute[title]"), ExternalRef: get("attribute[external_ref]")}
	if in.Category == "" {
		return in, errs.FieldErrorf("service_code", "service_code 不能为空")
	}
	if in.Content == "" {
		return in, errs.FieldErrorf("description", "description（诉求内容）不能为空")
	}
	if in.ExternalRef == "" {
		in.ExternalRef = get("device_id")
	}
	in.ContactName = strings.TrimSpace(get("last_name") + get("first_name"))
	if addr := get("address_string"); addr != "" {
		in.Content += "\n地址：" + addr
	}
	if lat, long := get("lat"), get("long"); lat != "" && long != "" {
		in.Content += "\n坐标：" + lat + "," + long
	}
	return in, nil
}

// Open311Request is an appeal as requests.json shows it.
type Open311Request struct {
	ID                string  `json:"service_request_id"`
	Status            string  `json:"status"`
	StatusNotes       string  `json:"status_notes"`
	ServiceName       string  `json:"service_name"`
	ServiceCode       string  `json:"service_code"`
	Description       string  `json:"description"`
	AgencyResponsible string  `json:"agency_responsible"`
	ServiceNotice     string  `json:"service_notice"`
	Requested         string  `json:"requested_datetime"`
	Updated           string  `json:"updated_datetime"`
	Expected          string  `json:"expected_datetime"`
	Address           string  `json:"address"`
	AddressID         string  `json:"address_id"`
	Zipcode           string  `json:"zipcode"`
	Lat               *string `json:"lat"`
	Long              *string `json:"long"`
	MediaURL          string  `json:"media_url"`
}

// Open311Of maps an appeal onto a service request. The expected time is
// the end of the due date's office hours.
func (s *Service) Open311Of(ctx context.Context, ap *Appeal) Open311Request {
	status := "open"
	if !ap.Status.Open() {
		status = "closed"
	}
	notes := ap.Status.Label()
	if ap.ReplyResult != "" && ap.RepliedAt != nil {
		notes += "；答复：" + ap.ReplyResult
	}
	code := ""
	if cat, err := s.catalogue(ctx); err == nil {
		if e, ok := cat.byCategory[ap.Category]; ok {
			code = e.Code
		}
	}
	r := s.hours.Ranges()
	expected := ap.DueDate.Start().Add(time.Duration(r[len(r)-1][1]) * time.Minute)
	return Open311Request{ID: ap.Number, Status: status, StatusNotes: notes, ServiceName: ap.Category, ServiceCode: code,
		Description: ap.Content, AgencyResponsible: ap.UnitName, ServiceNotice: "办理时限至" + ap.DueDate.Chinese(),
		Requested: rfc(ap.ReceivedAt), Updated: rfc(ap.UpdatedAt), Expected: rfc(expected)}
}

func rfc(t time.Time) string { return t.In(workday.Shanghai).Format(time.RFC3339) }

// Open311Filter is the query of GET requests.json.
type Open311Filter struct {
	IDs         []string
	ServiceCode string
	Start, End  time.Time
	Status      string // open, closed or ""
}

// Open311Requests returns the service requests a may read matching f
// (at most 1,000, newest first, as GeoReport v2 suggests; 90 days back by
// default). Errors: Unauthenticated, Forbidden, Invalid (status, service
// code), Internal.
func (s *Service) Open311Requests(ctx context.Context, a *auth.Actor, f Open311Filter) ([]Open311Request, error) {
	out := []Open311Request{}
	if len(f.IDs) > 0 {
		for _, id := range f.IDs {
			ap, err := s.FindAppealByID(ctx, a, id)
			switch errs.CodeOf(err) {
			case "":
				out = append(out, s.Open311Of(ctx, ap))
			case errs.NotFound, errs.Forbidden:
			default:
				return nil, err
			}
		}
		return out, nil
	}
	filter := Filter{Limit: 500}
	switch f.Status {
	case "":
	case "open":
		filter.Open = true
	case "closed":
		filter.Status = StatusClosed
	default:
		return nil, errs.FieldErrorf("status", "status 应为 open 或 closed")
	}
	if f.ServiceCode != "" {
		cat, err := s.catalogue(ctx)
		if err != nil {
			return nil, err
		}
		e, ok := cat.byCode[f.ServiceCode]
		if !ok {
			return nil, errs.FieldErrorf("service_code", "service_code“%s”不存在", f.ServiceCode)
		}
		filter.Category = e.Category
	}
	now := s.now()
	end, start := f.End, f.Start
	if end.IsZero() {
		end = now
	}
	if start.IsZero() {
		start = end.AddDate(0, 0, -90)
	}
	filter.From, filter.To = workday.DateOf(start), workday.DateOf(end)
	for len(out) < 1000 {
		list, total, err := s.FindAppeals(ctx, a, filter)
		if err != nil {
			return nil, err
		}
		for i := range list {
			out = append(out, s.Open311Of(ctx, &list[i]))
		}
		filter.Offset += len(list)
		if len(list) == 0 || filter.Offset >= total {
			break
		}
	}
	if len(out) > 1000 {
		out = out[:1000]
	}
	return out, nil
}
