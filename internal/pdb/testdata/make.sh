#!/bin/sh
# make.sh rebuilds the portable PDB fixtures in this folder from Greeter.cs
# with what Debian offers: mcs (package mono-mcs) compiles the assembly,
# and MakePortable.cs rewrites it with Mono.Cecil 0.11's portable PDB
# writer (package libmono-cecil-private-cil), which adds the CodeView debug
# directory entry that names the PDB.
#
#   greeter/Greeter.dll, greeter/Greeter.pdb    an assembly and its PDB
#   rebuilt/Greeter.dll, rebuilt/Greeter.pdb    the source changed a little and
#                                               built again: another PDB ID
set -eu
cd "$(dirname "$0")"
cecil=/usr/lib/mono/gac/Mono.Cecil/0.11.0.0__0738eb9f132ed756
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mcs -nologo -r:"$cecil/Mono.Cecil.dll" -out:"$tmp/MakePortable.exe" MakePortable.cs
for dir in greeter rebuilt; do
	mkdir -p "$dir" "$tmp/$dir"
	# The rebuild changes one string: mcs and Cecil are deterministic, and
	# the same source would give the same PDB ID again.
	sed "s/Hello/Hello from $dir/" Greeter.cs > "$tmp/$dir/Greeter.cs"
	mcs -nologo -target:library -debug -out:"$tmp/$dir/Greeter.dll" "$tmp/$dir/Greeter.cs"
	MONO_PATH="$cecil" mono "$tmp/MakePortable.exe" "$tmp/$dir/Greeter.dll" Greeter.cs "$dir/Greeter.dll"
done
