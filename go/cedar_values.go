package trusera

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cedar-policy/cedar-go/types"
)

func uid(r EntityRef) types.EntityUID {
	return types.NewEntityUID(types.EntityType(r.Type), types.String(r.ID))
}

func toEntities(list []Entity) (types.EntityMap, error) {
	out := make(types.EntityMap, len(list))
	for _, e := range list {
		attrs, err := toRecord(e.Attrs)
		if err != nil {
			return nil, fmt.Errorf("entity %s::%q: %w", e.UID.Type, e.UID.ID, err)
		}
		var tags types.Record
		if len(e.Tags) > 0 {
			m := make(types.RecordMap, len(e.Tags))
			for k, v := range e.Tags {
				m[types.String(k)] = types.String(v)
			}
			tags = types.NewRecord(m)
		}
		parents := make([]types.EntityUID, len(e.Parents))
		for i, p := range e.Parents {
			parents[i] = uid(p)
		}
		id := uid(e.UID)
		out[id] = types.Entity{UID: id, Attributes: attrs, Tags: tags, Parents: types.NewEntityUIDSet(parents...)}
	}
	return out, nil
}

func toRecord(m map[string]any) (types.Record, error) {
	rm := make(types.RecordMap, len(m))
	for k, v := range m {
		cv, err := toValue(v)
		if err != nil {
			return types.Record{}, fmt.Errorf("%s: %w", k, err)
		}
		rm[types.String(k)] = cv
	}
	return types.NewRecord(rm), nil
}

// toValue maps a JSON-like Go value to Cedar: strings, bools, whole numbers (Long), lists (Set),
// maps (Record), entity references.
func toValue(v any) (types.Value, error) {
	switch x := v.(type) {
	case string:
		return types.String(x), nil
	case bool:
		return types.Boolean(x), nil
	case int:
		return types.Long(x), nil
	case int64:
		return types.Long(x), nil
	case int32:
		return types.Long(x), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a whole number (Cedar has no floats)", x)
		}
		return types.Long(int64(x)), nil
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return nil, fmt.Errorf("%v is not a whole number (Cedar has no floats)", x)
		}
		return types.Long(n), nil
	case []string:
		vals := make([]types.Value, len(x))
		for i, s := range x {
			vals[i] = types.String(s)
		}
		return types.NewSet(vals...), nil
	case []any:
		vals := make([]types.Value, len(x))
		for i, e := range x {
			cv, err := toValue(e)
			if err != nil {
				return nil, err
			}
			vals[i] = cv
		}
		return types.NewSet(vals...), nil
	case map[string]any:
		if ref, ok := entityRefOf(x); ok {
			return uid(ref), nil
		}
		return toRecord(x)
	case EntityRef:
		return uid(x), nil
	case nil:
		return nil, fmt.Errorf("null has no Cedar value")
	}
	return nil, fmt.Errorf("a %T has no Cedar value", v)
}

// entityRefOf reads Cedar's JSON entity escape {"__entity": {"type": ..., "id": ...}}.
func entityRefOf(m map[string]any) (EntityRef, bool) {
	inner, ok := m["__entity"].(map[string]any)
	if !ok || len(m) != 1 {
		return EntityRef{}, false
	}
	t, ok1 := inner["type"].(string)
	id, ok2 := inner["id"].(string)
	return EntityRef{Type: t, ID: id}, ok1 && ok2
}
