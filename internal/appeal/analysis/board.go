package analysis

import (
	"context"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The public progress board shows, without login, every 问题清单 item
// with its status, progress and updates — texts the office and the owner
// units wrote for it — and of its appeals only those whose enterprise
// agreed to publication (appeals.publish), counted by category, district,
// month received and status: never the enterprise's name, the contact,
// the appeal's number or its title and content, which the enterprise
// wrote and which may carry personal data. Items are named by a random slug, not by
// their id, so the board cannot be walked by counting; the board is built
// at most once per BoardTTL per instance and served from memory.

// BoardAppeal counts the published appeals of a board item that share a
// category, district, month received and status: a problem behind
// thousands of appeals shows as tens of rows, and no row stands for one
// enterprise more than the data makes it.
type BoardAppeal struct {
	Category string `json:"category"`
	District string `json:"district"` // its name
	Month    string `json:"month"`    // received, 2026-03
	Status   string `json:"status"`
	Count    int    `json:"count"`
}

// BoardUpdate is a progress update as the board shows it.
type BoardUpdate struct {
	Date     workday.Date `json:"date"`
	Progress int          `json:"progress"`
	Note     string       `json:"note"`
}

// BoardItem is a 问题清单 item as the public board shows it.
type BoardItem struct {
	Slug        string        `json:"slug"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Measures    string        `json:"measures"`
	OwnerUnit   string        `json:"owner_unit"`
	StartDate   workday.Date  `json:"start_date"`
	DueDate     workday.Date  `json:"due_date"`
	Status      string        `json:"status"`
	StatusLabel string        `json:"status_label"`
	Progress    int           `json:"progress"`
	ClosingNote string        `json:"closing_note,omitempty"`
	Appeals     int           `json:"appeals"`         // all its appeals
	PublishedN  int           `json:"published_count"` // those published
	Published   []BoardAppeal `json:"published"`       // those published, counted by category, district, month and status
	Updates     []BoardUpdate `json:"updates"`
}

// Board is the public progress board.
type Board struct {
	Items   []BoardItem `json:"items"`
	Open    int         `json:"open"`
	Closed  int         `json:"closed"`
	BuiltAt time.Time   `json:"built_at"`
}

type boardCache struct {
	board *Board
	until time.Time
}

// dropBoard makes the next Board call rebuild it on this instance.
func (s *Service) dropBoard() {
	s.mu.Lock()
	s.board = nil
	s.mu.Unlock()
}

// PublicBoard returns the public progress board; anyone may call it.
// Errors: Internal.
func (s *Service) PublicBoard(ctx context.Context) (*Board, error) {
	now := s.Now()
	s.mu.Lock()
	if c := s.board; c != nil && now.Before(c.until) {
		s.mu.Unlock()
		return c.board, nil
	}
	s.mu.Unlock()
	b, err := s.buildBoard(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.board = &boardCache{board: b, until: now.Add(s.BoardTTL)}
	s.mu.Unlock()
	return b, nil
}

// PublicBoardItem returns the board's item named slug. Errors: NotFound,
// Internal.
func (s *Service) PublicBoardItem(ctx context.Context, slug string) (*BoardItem, error) {
	b, err := s.PublicBoard(ctx)
	if err != nil {
		return nil, err
	}
	for i := range b.Items {
		if b.Items[i].Slug == slug {
			return &b.Items[i], nil
		}
	}
	return nil, errs.Errorf(errs.NotFound, "没有这个问题")
}

// maxBoardItems bounds the board: the open items and the latest closed.
const maxBoardItems = 500

func (s *Service) buildBoard(ctx context.Context) (*Board, error) {
	b := &Board{BuiltAt: s.Now()}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.slug, p.title, p.description, p.measures, COALESCE(u.name, ''), p.start_date, p.due_date,
		p.status, p.progress, p.closing_note, (SELECT COUNT(*) FROM appeal_problem_appeals x WHERE x.problem_id = p.id)
		FROM appeal_problems p LEFT JOIN units u ON u.id = p.owner_unit_id
		ORDER BY CASE WHEN p.status = 'open' THEN 0 ELSE 1 END, p.due_date, p.id LIMIT ?`, maxBoardItems)
	if err != nil {
		return nil, errs.Wrap(err, "board")
	}
	var ids []int64
	for rows.Next() {
		var it BoardItem
		var id int64
		if err := rows.Scan(&id, &it.Slug, &it.Title, &it.Description, &it.Measures, &it.OwnerUnit, &it.StartDate, &it.DueDate,
			&it.Status, &it.Progress, &it.ClosingNote, &it.Appeals); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan board")
		}
		it.StatusLabel = ProblemStatusLabel(it.Status)
		if it.Status == ProblemOpen {
			b.Open++
		} else {
			b.Closed++
		}
		ids = append(ids, id)
		b.Items = append(b.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "board")
	}
	for i, id := range ids {
		it := &b.Items[i]
		it.Published, it.Updates = []BoardAppeal{}, []BoardUpdate{}
		ar, err := s.db.QueryContext(ctx, `SELECT a.category, COALESCE(a.district, ''), a.status, a.received_at FROM appeal_problem_appeals x
			JOIN appeals a ON a.id = x.appeal_id WHERE x.problem_id = ? AND a.publish ORDER BY a.received_at, a.id`, id)
		if err != nil {
			return nil, errs.Wrap(err, "board appeals")
		}
		row := map[BoardAppeal]int{} // the key has Count 0; the value indexes it.Published
		for ar.Next() {
			var ba BoardAppeal
			var at int64
			if err := ar.Scan(&ba.Category, &ba.District, &ba.Status, &at); err != nil {
				ar.Close()
				return nil, errs.Wrap(err, "scan board appeal")
			}
			ba.Status = appeal.Status(ba.Status).Label()
			if name := s.City.DistrictName(ba.District); name != "" {
				ba.District = name // appeals keep the code
			}
			ba.Month = store.FromMillis(at).In(workday.Shanghai).Format("2006-01")
			i, ok := row[ba]
			if !ok {
				i = len(it.Published)
				row[ba] = i
				it.Published = append(it.Published, ba)
			}
			it.Published[i].Count++
			it.PublishedN++
		}
		ar.Close()
		if err := ar.Err(); err != nil {
			return nil, errs.Wrap(err, "board appeals")
		}
		ur, err := s.db.QueryContext(ctx, `SELECT at, progress, note FROM appeal_problem_updates WHERE problem_id = ? ORDER BY at, id`, id)
		if err != nil {
			return nil, errs.Wrap(err, "board updates")
		}
		for ur.Next() {
			var u BoardUpdate
			var at int64
			if err := ur.Scan(&at, &u.Progress, &u.Note); err != nil {
				ur.Close()
				return nil, errs.Wrap(err, "scan board update")
			}
			u.Date = workday.DateOf(store.FromMillis(at))
			it.Updates = append(it.Updates, u)
		}
		ur.Close()
		if err := ur.Err(); err != nil {
			return nil, errs.Wrap(err, "board updates")
		}
	}
	return b, nil
}
