package audit

import (
	"encoding/json"
	"maps"
	"strings"
)

// LabelSet is what one module names in Chinese: the entities it records in
// the audit log, the actions it records on them, and the kinds of its
// background jobs. Each module returns its own from a Labels function, and
// the composition root gathers them into one Labels table.
type LabelSet struct {
	// Entities maps an entity (the audit log's entity column) to its name.
	Entities map[string]string
	// Actions maps an action to its name, either for every entity
	// ("create") or for one, as "entity:action" ("policy:status").
	Actions map[string]string
	// Jobs maps a job kind to its name.
	Jobs map[string]string
	// Actors maps the name of an actor that is not a person (the system,
	// the command line, the demo loader) to its Chinese name.
	Actors map[string]string
	// JobLinks maps a job kind to the page that shows what the job did,
	// with {key} replaced by that key of the job's payload
	// ("/admin/import/{run}").
	JobLinks map[string]string
}

// Labels is the one table of Chinese names that the audit log and the jobs
// pages show instead of the stored English identifiers. It is built once at
// start-up and only read afterwards.
type Labels struct {
	entities, actions, jobs, links, actors map[string]string
}

// NewLabels returns the table of sets, the later overriding the earlier on
// the same key. The actions every module shares (create, update …) are
// there already.
func NewLabels(sets ...LabelSet) *Labels {
	l := &Labels{entities: map[string]string{}, actions: map[string]string{}, jobs: map[string]string{}, links: map[string]string{},
		actors: map[string]string{}}
	for _, s := range append([]LabelSet{commonLabels()}, sets...) {
		maps.Copy(l.entities, s.Entities)
		maps.Copy(l.actions, s.Actions)
		maps.Copy(l.jobs, s.Jobs)
		maps.Copy(l.links, s.JobLinks)
		maps.Copy(l.actors, s.Actors)
	}
	return l
}

// commonLabels names the actions that several modules record.
func commonLabels() LabelSet {
	return LabelSet{Actors: map[string]string{System: "系统", "cli": "命令行", "demo": "演示数据"}, Actions: map[string]string{
		"create": "新建", "update": "修改", "delete": "删除", "remove": "移除", "import": "导入",
		"submit": "提交", "accept": "采纳", "reject": "退回", "revoke": "吊销", "enable": "启用", "disable": "停用",
	}}
}

// Entity returns the Chinese name of entity, or entity itself when no
// module named it.
func (l *Labels) Entity(entity string) string {
	if l != nil {
		if v, ok := l.entities[entity]; ok {
			return v
		}
	}
	return entity
}

// Action returns the Chinese name of action on entity: the entity's own
// name for it, else the shared one, else action itself.
func (l *Labels) Action(entity, action string) string {
	if l != nil {
		if v, ok := l.actions[entity+":"+action]; ok {
			return v
		}
		if v, ok := l.actions[action]; ok {
			return v
		}
	}
	return action
}

// Actor returns how the audit log names an actor: a person by their
// username, an API token as API令牌 and its name, the system and other
// non-persons by their Chinese names.
func (l *Labels) Actor(name string) string {
	if t, ok := strings.CutPrefix(name, "token:"); ok {
		return "API令牌 " + t
	}
	if l != nil {
		if v, ok := l.actors[name]; ok {
			return v
		}
	}
	return name
}

// Entities returns the entities that have a name, with their names.
func (l *Labels) Entities() map[string]string {
	out := map[string]string{}
	if l != nil {
		maps.Copy(out, l.entities)
	}
	return out
}

// Job returns the Chinese name of a job kind, or the kind itself.
func (l *Labels) Job(kind string) string {
	if l != nil {
		if v, ok := l.jobs[kind]; ok {
			return v
		}
	}
	return kind
}

// JobKinds returns the job kinds that have a name, with their names.
func (l *Labels) JobKinds() map[string]string {
	out := map[string]string{}
	if l != nil {
		maps.Copy(out, l.jobs)
	}
	return out
}

// JobLink returns the page that shows what a job of kind did, filled in
// from its payload, or "" when there is none (or the payload lacks a key
// the link needs).
func (l *Labels) JobLink(kind string, payload json.RawMessage) string {
	if l == nil || l.links[kind] == "" {
		return ""
	}
	var p map[string]any
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	link := l.links[kind]
	for {
		i := strings.IndexByte(link, '{')
		if i < 0 {
			return link
		}
		j := strings.IndexByte(link[i:], '}')
		if j < 0 {
			return ""
		}
		v, ok := p[link[i+1:i+j]]
		if !ok {
			return ""
		}
		b, _ := json.Marshal(v)
		link = link[:i] + strings.Trim(string(b), `"`) + link[i+j+1:]
	}
}
