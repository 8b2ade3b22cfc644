package state

import "testing"

func TestHealth(t *testing.T) {
	up, dn := Brick{Online: true}, Brick{}
	arb, arbDown := Brick{Online: true, Arbiter: true}, Brick{Arbiter: true}
	replica3 := Volume{Status: "Started", Type: "Replicate", ReplicaCount: 3}
	dist2x2 := Volume{Status: "Started", Type: "Distributed-Replicate", ReplicaCount: 2}
	arbiter := Volume{Status: "Started", Type: "Replicate", ReplicaCount: 3, ArbiterCount: 1}
	ec := Volume{Status: "Started", Type: "Disperse", DisperseCount: 3, RedundancyCount: 1}
	dist := Volume{Status: "Started", Type: "Distribute", ReplicaCount: 1}
	bricks := func(b ...Brick) []Brick { return b }
	for _, tc := range []struct {
		name   string
		v      Volume
		bricks []Brick
		want   string
	}{
		{"replica all up", replica3, bricks(up, up, up), HealthOK},
		{"replica one down", replica3, bricks(up, dn, up), HealthDegraded},
		{"replica one left", replica3, bricks(dn, dn, up), HealthDegraded},
		{"replica none left", replica3, bricks(dn, dn, dn), HealthDown},
		{"2x2 one per set", dist2x2, bricks(up, dn, dn, up), HealthDegraded},
		{"2x2 a set gone", dist2x2, bricks(up, up, dn, dn), HealthDown},
		{"arbiter: only the arbiter up serves nothing", arbiter, bricks(dn, dn, arb), HealthDown},
		{"arbiter: a data brick up", arbiter, bricks(up, dn, arbDown), HealthDegraded},
		{"arbiter all up", arbiter, bricks(up, up, arb), HealthOK},
		{"disperse 3+1 one down", ec, bricks(up, dn, up), HealthDegraded},
		{"disperse 3+1 two down", ec, bricks(dn, dn, up), HealthDown},
		{"distribute all up", dist, bricks(up, up), HealthOK},
		{"distribute one down: part of the data is gone", dist, bricks(up, dn), HealthDown},
		{"stopped", Volume{Status: "Stopped", ReplicaCount: 3}, bricks(dn, dn, dn), HealthUnknown},
		{"created", Volume{Status: "Created", ReplicaCount: 3}, bricks(dn, dn, dn), HealthUnknown},
		{"no bricks", Volume{Status: "Started"}, nil, HealthUnknown},
	} {
		if got := Health(&tc.v, tc.bricks); got != tc.want {
			t.Errorf("%s: Health = %q, want %q", tc.name, got, tc.want)
		}
	}
}
