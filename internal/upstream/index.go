package upstream

import (
	"context"
	"strings"
	"time"
)

// indexTTL is how long a source's service index is trusted.
const indexTTL = time.Hour

// resources are the service-index entries Wharf uses ("" when absent).
type resources struct {
	registrations string // ends with "/"
	packageBase   string // ends with "/"
	search        string
	autocomplete  string
	fetched       time.Time
}

// Preference orders of @type values, best first.
var (
	registrationTypes = []string{"RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/3.4.0",
		"RegistrationsBaseUrl/Versioned", "RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl"}
	packageBaseTypes  = []string{"PackageBaseAddress/3.0.0"}
	searchTypes       = []string{"SearchQueryService/3.5.0", "SearchQueryService/3.0.0-rc", "SearchQueryService/3.0.0-beta", "SearchQueryService"}
	autocompleteTypes = []string{"SearchAutocompleteService/3.5.0", "SearchAutocompleteService/3.0.0-rc", "SearchAutocompleteService/3.0.0-beta", "SearchAutocompleteService"}
)

type serviceIndexJSON struct {
	Resources []struct {
		ID   string      `json:"@id"`
		Type flexStrings `json:"@type"`
	} `json:"resources"`
}

// resources returns src's resources, from the cache when fresh. A failed
// fetch is not cached, so the next call tries again.
func (c *Client) resources(ctx context.Context, src Source) (*resources, error) {
	c.mu.Lock()
	cached := c.indexes[src.IndexURL]
	c.mu.Unlock()
	if cached != nil && c.now().Sub(cached.fetched) < indexTTL {
		return cached, nil
	}
	var doc serviceIndexJSON
	err := c.getJSON(ctx, request{src: src, op: "index", what: "the service index", url: src.IndexURL}, &doc)
	if err != nil {
		return nil, err
	}
	byType := map[string]string{}
	for _, r := range doc.Resources {
		for _, t := range r.Type {
			if _, seen := byType[t]; !seen && r.ID != "" {
				byType[t] = resolve(src.IndexURL, r.ID)
			}
		}
	}
	pick := func(types []string) string {
		for _, t := range types {
			if u := byType[t]; u != "" {
				return u
			}
		}
		return ""
	}
	res := &resources{
		registrations: slash(pick(registrationTypes)),
		packageBase:   slash(pick(packageBaseTypes)),
		search:        pick(searchTypes),
		autocomplete:  pick(autocompleteTypes),
		fetched:       c.now(),
	}
	c.mu.Lock()
	c.indexes[src.IndexURL] = res
	c.mu.Unlock()
	return res, nil
}

// need reports a missing resource as a sentence.
func need(src Source, u, name string) error {
	if u == "" {
		return failf(ErrUnavailable, "the service index of %s lists no %s resource.", hostOf(src.IndexURL), name)
	}
	return nil
}

func slash(u string) string {
	if u != "" && !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
