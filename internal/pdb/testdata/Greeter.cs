namespace Wharf.Symbols.Sample
{
    /// <summary>A tiny class so the assembly has a method to debug.</summary>
    public static class Greeter
    {
        public static string Greet(string name)
        {
            var greeting = "Hello, " + name;
            return greeting;
        }
    }
}
