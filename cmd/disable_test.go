package cmd

import (
	"testing"

	"github.com/gluster/gluster-eventing/internal/api"
)

func TestDisabledStatus(t *testing.T) {
	for _, tt := range []struct {
		name     string
		list     []string
		counts   map[string]uint64
		wantLine string
	}{
		{"nothing disabled, nothing dropped", nil, map[string]uint64{}, ""},
		{"disabled, nothing dropped yet", []string{"Volume.*"}, map[string]uint64{"VOLUME_START": 0, "VOLUME_STOP": 0}, "Volume.*; dropped 0"},
		{"most dropped first, then by name", []string{"Volume.*", "!VOLUME_STOP", "BRICK_*"},
			map[string]uint64{"VOLUME_START": 2, "BRICK_CONNECTED": 5, "VOLUME_CREATE": 2, "VOLUME_DELETE": 0},
			"Volume.*, !VOLUME_STOP, BRICK_*; dropped 9 (BRICK_CONNECTED 5, VOLUME_CREATE 2, VOLUME_START 2)"},
		{"enabled since, counts stay", nil, map[string]uint64{"VOLUME_START": 3}, "none now; dropped 3 (VOLUME_START 3)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &api.Status{Intake: api.IntakeStatus{Disabled: tt.counts}, Config: api.ConfigStatus{Disabled: tt.list}}
			if got := disabledStatus(st); got != tt.wantLine {
				t.Errorf("disabledStatus = %q, want %q", got, tt.wantLine)
			}
		})
	}
}
