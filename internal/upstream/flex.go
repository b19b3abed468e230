package upstream

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// flexStrings reads a JSON string (one item) or an array of strings.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []flexString
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		*f = make(flexStrings, 0, len(items))
		for _, s := range items {
			*f = append(*f, string(s))
		}
		return nil
	}
	var s flexString
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*f = nil
	} else {
		*f = flexStrings{string(s)}
	}
	return nil
}

// flexString reads a JSON string, number, boolean or null as a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		*f = ""
	default:
		*f = flexString(b)
	}
	return nil
}

// flexBool reads true/false or the strings "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = flexBool(strings.EqualFold(string(s), "true"))
	return nil
}

// flexInt reads a JSON number (integer or not) or numeric string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	var n json.Number = json.Number(s)
	if i, err := n.Int64(); err == nil {
		*f = flexInt(i)
	} else if x, err := n.Float64(); err == nil {
		*f = flexInt(int64(x))
	} else {
		*f = 0
	}
	return nil
}

// joined is the authors form: array items joined with ", ".
func (f flexStrings) joined() string { return strings.Join(f, ", ") }

// tagList reads tags as an array, or as one string split on spaces and commas.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var f flexStrings
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	if len(b) > 0 && b[0] == '[' {
		*t = tagList(f)
		return nil
	}
	*t = nil
	for _, s := range f {
		*t = append(*t, strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })...)
	}
	return nil
}

// sortVersions sorts stably by nuget.Version.Compare.
func sortVersions(vs []Version) {
	slices.SortStableFunc(vs, func(a, b Version) int { return a.Parsed.Compare(b.Parsed) })
}
