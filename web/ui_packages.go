package web

import "github.com/labstack/echo/v4"

// The public pages: start page, search and package pages.

func (s *Server) homePage(c echo.Context) error    { return echo.ErrNotFound }
func (s *Server) searchPage(c echo.Context) error  { return echo.ErrNotFound }
func (s *Server) packagePage(c echo.Context) error { return echo.ErrNotFound }
