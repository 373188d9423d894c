package org_test

import (
	"context"
	"github.com/qinqing/qinqing/internal/auth"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

func TestUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
		log := &audit.Log{DB: db, Now: time.Now}
		s := org.New(db, org.Options{Audit: log, Now: time.Now})
		fgw, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: "市发展和改革委员会", Kind: org.KindDepartment,
			Aliases: []string{"市发改委", " 市发展改革委 ", "市发改委"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(fgw.Aliases) != 2 {
			t.Errorf("aliases not trimmed and deduplicated: %q", fgw.Aliases)
		}
		div := "420111"
		hs, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: "洪山区人民政府", Kind: org.KindDistrict, Division: &div, Aliases: []string{"洪山区"}})
		if err != nil {
			t.Fatal(err)
		}
		street, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{ParentID: &hs.ID, Name: "珞南街道办事处", Kind: org.KindStreet})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OKHolders", func(t *testing.T) {
			// A record held by the street is read by the district above it.
			team, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{ParentID: &street.ID, Name: "珞南街道营商服务组", Kind: org.KindOther})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Holders(ctx, team.ID, fgw.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.UnitIDs, []int64{team.ID, fgw.ID}) || !slices.Equal(res.ParentUnitIDs, []int64{hs.ID, street.ID}) {
				t.Errorf("Holders = %+v, want the team and 发改委 holding, the street and the district above", res)
			}
			if res, err := s.Holders(ctx); err != nil || res.UnitIDs != nil || res.ParentUnitIDs != nil {
				t.Errorf("Holders() = %+v, %v", res, err)
			}
			if res, err := s.Holders(ctx, hs.ID); err != nil || len(res.ParentUnitIDs) != 0 {
				t.Errorf("a top unit has parents: %+v, %v", res, err)
			}
			// The district reads its street's and the street's team's records.
			below, err := s.Subtree(ctx, hs.ID)
			if err != nil || !slices.Equal(below, []int64{hs.ID, street.ID, team.ID}) {
				t.Errorf("Subtree(洪山区) = %v, %v; want the district, its street and the team", below, err)
			}
			if below, err := s.Subtree(ctx, fgw.ID); err != nil || !slices.Equal(below, []int64{fgw.ID}) {
				t.Errorf("Subtree(发改委) = %v, %v", below, err)
			}
		})
		t.Run("OKResolve", func(t *testing.T) {
			for _, name := range []string{"市发改委", "市发展改革委", "市发展和改革委员会", "市 发改委", "市发改委\u3000"} {
				u, err := s.Resolve(ctx, name)
				if err != nil || u.ID != fgw.ID {
					t.Errorf("Resolve(%q) = %v, %v; want 市发展和改革委员会", name, u, err)
				}
			}
			if _, err := s.Resolve(ctx, "市宇宙局"); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("unknown unit: %v", err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			bad := "42"
			for field, in := range map[string]org.UnitInput{
				"name":     {Name: " ", Kind: org.KindOther},
				"kind":     {Name: "某单位", Kind: "部委"},
				"division": {Name: "某单位", Kind: org.KindOther, Division: &bad},
			} {
				if _, err := s.CreateUnit(ctx, auth.Operator("test"), in); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != field {
					t.Errorf("%s: %v", field, err)
				}
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			// An alias may not be another unit's name or alias.
			if _, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: "发改委二", Kind: org.KindOther, Aliases: []string{"市发改委"}}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("alias taken: %v", err)
			}
			if _, err := s.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: "洪山区", Kind: org.KindOther}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("name equal to an alias: %v", err)
			}
		})
		t.Run("ErrCycle", func(t *testing.T) {
			_, err := s.UpdateUnit(ctx, auth.Operator("test"), hs.ID, org.UnitInput{ParentID: &street.ID, Name: hs.Name, Kind: hs.Kind, Division: hs.Division})
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "parent_id" {
				t.Fatalf("a unit under its own street: %v", err)
			}
		})
		t.Run("OKTreeOrderAndAudit", func(t *testing.T) {
			all, err := s.UnitTree(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pos := map[int64]int{}
			for i, u := range all {
				pos[u.ID] = i
			}
			if pos[street.ID] != pos[hs.ID]+1 {
				t.Errorf("street should follow its district: %v", all)
			}
			updated, err := s.UpdateUnit(ctx, auth.Operator("test"), fgw.ID, org.UnitInput{Name: fgw.Name, Kind: fgw.Kind, Aliases: []string{"市发改委"}})
			if err != nil || len(updated.Aliases) != 1 {
				t.Fatalf("update: %v %v", updated, err)
			}
			if _, err := s.Resolve(ctx, "市发展改革委"); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("a removed alias still resolves: %v", err)
			}
			entries, total, err := log.Find(ctx, audit.Filter{Entity: "unit", Action: "update"})
			if err != nil || total != 1 || entries[0].Actor != "test" || len(entries[0].Before) == 0 || len(entries[0].After) == 0 {
				t.Fatalf("audit of the update: %d %+v %v", total, entries, err)
			}
		})
		t.Run("OKFindUnitsPagesTheTreeInSQL", func(t *testing.T) {
			tree, err := s.UnitTree(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var paged []org.Unit
			for off := 0; ; off += 2 {
				page, total, err := s.FindUnits(ctx, org.UnitFilter{Limit: 2, Offset: off})
				if err != nil || total != len(tree) {
					t.Fatalf("page at %d: total %d, %v; want %d", off, total, err, len(tree))
				}
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
			}
			if len(paged) != len(tree) {
				t.Fatalf("%d units paged, %d in the tree", len(paged), len(tree))
			}
			for i := range tree {
				if paged[i].ID != tree[i].ID || paged[i].Depth != tree[i].Depth || !slices.Equal(paged[i].Aliases, tree[i].Aliases) {
					t.Errorf("row %d: paged %s (depth %d), tree %s (depth %d)", i, paged[i].Name, paged[i].Depth, tree[i].Name, tree[i].Depth)
				}
			}
			got, total, err := s.FindUnits(ctx, org.UnitFilter{Query: "发改委"})
			if err != nil || total != 1 || got[0].ID != fgw.ID {
				t.Errorf("by alias: %+v %d %v", got, total, err)
			}
			got, total, err = s.FindUnits(ctx, org.UnitFilter{Query: "100%_"})
			if err != nil || total != 0 || len(got) != 0 {
				t.Errorf("LIKE wildcards taken literally: %+v %d %v", got, total, err)
			}
		})
	})
}
