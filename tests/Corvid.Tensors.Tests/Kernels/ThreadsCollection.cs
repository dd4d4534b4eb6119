namespace Corvid.Tensors.Tests.Kernels;

/// <summary>Tests that set the process-wide <c>Threads.Count</c> run one at a time, never alongside each other.</summary>
[CollectionDefinition(Name)]
public class ThreadsCollection
{
    public const string Name = "Threads.Count";
}
