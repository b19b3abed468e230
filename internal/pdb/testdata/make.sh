#!/bin/sh
# make.sh rebuilds the portable PDB fixtures in this folder from Greeter.cs
# with what Debian offers: mcs (package mono-mcs) compiles the assembly,
# and MakePortable.cs rewrites it with Mono.Cecil 0.11's portable PDB
# writer (package libmono-cecil-private-cil), which adds the CodeView debug
# directory entry that names the PDB. Each compilation has a new module
# version ID, and so a new PDB ID.
#
#   greeter/Greeter.dll, greeter/Greeter.pdb    an assembly and its PDB
#   rebuilt/Greeter.dll, rebuilt/Greeter.pdb    the same source built again:
#                                               its PDB belongs to no other DLL
set -eu
cd "$(dirname "$0")"
cecil=/usr/lib/mono/gac/Mono.Cecil/0.11.0.0__0738eb9f132ed756
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mcs -nologo -r:"$cecil/Mono.Cecil.dll" -out:"$tmp/MakePortable.exe" MakePortable.cs
for dir in greeter rebuilt; do
	mkdir -p "$dir" "$tmp/$dir"
	mcs -nologo -target:library -debug -out:"$tmp/$dir/Greeter.dll" Greeter.cs
	MONO_PATH="$cecil" mono "$tmp/MakePortable.exe" "$tmp/$dir/Greeter.dll" Greeter.cs "$dir/Greeter.dll"
done
