package web

// UnreachableByCI exposes unreachableByCI to the package's black-box tests.
var UnreachableByCI = unreachableByCI
