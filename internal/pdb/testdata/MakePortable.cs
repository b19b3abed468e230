// MakePortable rewrites an assembly built by mcs (which writes only Mono's
// .mdb symbols) with Mono.Cecil's portable PDB writer: it gives each method a
// sequence point in the C# source and writes the assembly again with a
// CodeView debug directory entry and its portable PDB beside it.
// Usage: mono MakePortable.exe in.dll source.cs out.dll
using System;
using System.IO;
using Mono.Cecil;
using Mono.Cecil.Cil;

static class MakePortable
{
    static int Main(string[] args)
    {
        var module = ModuleDefinition.ReadModule(args[0]);
        var doc = new Document("/_/" + Path.GetFileName(args[1])) { Language = DocumentLanguage.CSharp };
        var line = 1;
        foreach (var type in module.Types)
        {
            foreach (var method in type.Methods)
            {
                if (!method.HasBody || method.Body.Instructions.Count == 0)
                    continue;
                var sp = new SequencePoint(method.Body.Instructions[0], doc)
                {
                    StartLine = line, StartColumn = 1, EndLine = line, EndColumn = 2,
                };
                method.DebugInformation.SequencePoints.Add(sp);
                line++;
            }
        }
        module.Write(args[2], new WriterParameters
        {
            WriteSymbols = true,
            SymbolWriterProvider = new PortablePdbWriterProvider(),
        });
        return 0;
    }
}
