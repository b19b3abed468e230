package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
)

// searchFeeds returns what the search page's feed selector needs: the
// names of the feeds the viewer may read, and the context to search with,
// whose reader is narrowed to the chosen feed (by the core's own
// feeds.Reader, as a feed's URLs are). A feed the viewer may not read is
// refused like one that does not exist, with a sentence for the field.
func (s *Server) searchFeeds(c echo.Context, name string) (context.Context, []string, string, error) {
	ctx := c.Request().Context()
	list, err := s.reg.FeedsOf(ctx, currentUser(c))
	if err != nil {
		return nil, nil, "", err
	}
	var names []string
	for _, f := range list {
		names = append(names, f.Name)
	}
	if name == "" {
		return ctx, names, "", nil
	}
	snap, v, err := s.reg.ViewerOf(ctx, currentUser(c))
	if err != nil {
		return nil, nil, "", err
	}
	f := snap.Feed(name)
	if f == nil || !snap.CanRead(v, f.ID) {
		return ctx, names, "There is no feed '" + name + "' that you may read. Choose one from the list, or all of them.", nil
	}
	return feeds.WithReader(ctx, snap.NewReader(v, f)), names, "", nil
}

// withFeed adds the chosen feed to a search page's URL.
func withFeed(u, feed string) string {
	if feed == "" || u == "" {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "feed=" + url.QueryEscape(feed)
}
