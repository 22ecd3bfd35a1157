// cedar-go, the native Go engine, on the policy sets of bench/suites/cedar.mjs: the same policies,
// the same request built each call (a fresh URL), so that the suite can put the compiled evaluator
// and cedar-wasm beside it. Prints one JSON object: nanoseconds per decision (median of blocks) by
// policy count. Usage: go run . 1 50 500 1000 10000
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cedar-policy/cedar-go"
)

func policySet(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "@id(\"p%d\")\nforbid (principal, action == Action::\"api_call\", resource)\n"+
			"when { resource.hostname == \"blocked-%d.example\" && context.path like \"/admin/%d/*\" };\n\n", i, i, i)
	}
	return b.String()
}

// request is what the SDK's httpRequest builds for https://<host><path>?q=<k>.
func request(n, k int) (cedar.Request, cedar.EntityMap) {
	host := fmt.Sprintf("blocked-%d.example", k%(2*n))
	path := fmt.Sprintf("/admin/%d/x%d", k%(2*n), k)
	uid := cedar.NewEntityUID("Host", cedar.String(host))
	entities := cedar.EntityMap{uid: cedar.Entity{
		UID:     uid,
		Parents: cedar.NewEntityUIDSet(),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"hostname": cedar.String(host), "scheme": cedar.String("https"), "port": cedar.Long(443),
		}),
	}}
	req := cedar.Request{
		Principal: cedar.NewEntityUID("Agent", "bench-agent"),
		Action:    cedar.NewEntityUID("Action", "api_call"),
		Resource:  uid,
		Context: cedar.NewRecord(cedar.RecordMap{
			"url":      cedar.String("https://" + host + path + "?q=" + strconv.Itoa(k)),
			"method":   cedar.String("GET"),
			"hostname": cedar.String(host),
			"path":     cedar.String(path),
			"query":    cedar.String("q=" + strconv.Itoa(k)),
			"scheme":   cedar.String("https"),
			"port":     cedar.Long(443),
			"headers":  cedar.NewSet(),
		}),
	}
	return req, entities
}

func main() {
	out := map[string]float64{}
	for _, arg := range os.Args[1:] {
		n, err := strconv.Atoi(arg)
		if err != nil {
			panic(err)
		}
		ps, err := cedar.NewPolicySetFromBytes("bench.cedar", []byte(policySet(n)))
		if err != nil {
			panic(err)
		}
		perBlock := 2000
		if n >= 1000 {
			perBlock = 50
		}
		blocks := 15
		k := 0
		denied := 0
		decide := func() {
			req, entities := request(n, k)
			k++
			if ok, _ := cedar.Authorize(ps, entities, req); ok == cedar.Deny {
				denied++
			}
		}
		for i := 0; i < perBlock; i++ {
			decide()
		}
		var samples []float64
		for b := 0; b < blocks; b++ {
			t := time.Now()
			for i := 0; i < perBlock; i++ {
				decide()
			}
			samples = append(samples, float64(time.Since(t).Nanoseconds())/float64(perBlock))
		}
		sort.Float64s(samples)
		out[arg] = samples[len(samples)/2]
		if denied == 0 {
			panic("no request was denied: the workload does not match the policies")
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
