package web

import (
	"context"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// feedOfPackage fills in a package page's feed: its name, and unless it is
// the public default feed (whose source the start page gives), the
// commands that add the feed's own source, with credentials for a private
// feed (every feed of a private registry).
func (s *Server) feedOfPackage(ctx context.Context, pv *templates.PackagePage, p *registry.Package) {
	name := feeds.DefaultName
	private := s.private
	if snap, err := s.reg.Feeds().Snapshot(ctx); err == nil {
		if f := snap.FeedByID(p.FeedID); f != nil {
			name, private = f.Name, f.Private || s.private
		}
	}
	pv.Feed, pv.FeedPrivate = name, private
	if name == feeds.DefaultName && !private {
		return
	}
	src := s.urls.FeedIndex(name)
	if !private {
		pv.SourceSnippets = []templates.Snippet{{ID: "source-dotnet", Where: ".NET CLI", Text: "dotnet nuget add source " + src + " --name wharf"}}
		return
	}
	user := "NAME"
	if pv.User != nil {
		user = pv.User.Name
	}
	pv.SourceSnippets = []templates.Snippet{
		{ID: "source-dotnet", Where: ".NET CLI", Text: "dotnet nuget add source " + src + " --name wharf --username " + user + " --password KEY"},
		{ID: "source-nuget", Where: "NuGet.exe", Text: "nuget sources add -Name wharf -Source " + src + " -Username " + user + " -Password KEY -StorePasswordInClearText"},
	}
}
