namespace Corvid.Text.Tests;

/// <summary>The 51 cl100k_base ids that "This Is How LLMs Break Down the Language" shows for a FineWeb sample.</summary>
public class ArticleExampleTests
{
    private static readonly int[] ArticleIds =
    [
        11787, 499, 21815, 369, 90250, 763, 14689, 30, 7694, 1555, 279, 21542, 3770, 323, 499, 1253, 1120, 1518, 701,
        4832, 2457, 13, 9359, 1124, 323, 6642, 264, 3449, 709, 3010, 18396, 13, 1226, 617, 9214, 315, 1023, 3697, 430,
        1120, 649, 10379, 83, 3868, 311, 3449, 18570, 1120, 1093, 499, 0,
    ];

    [Fact]
    public void The_articles_ids_decode_to_the_FineWeb_sentence_and_it_encodes_back_to_the_same_51_ids()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");

        string text = cl100k.Decode(ArticleIds);

        Assert.StartsWith("Are you Looking for Couples In Ohio? Search through the profiles below", text);
        Assert.EndsWith("just like you!", text);
        Assert.Equal(TiktokenFixture.Ints(TiktokenFixture.Root.GetProperty("articleIds")), ArticleIds);
        Assert.Equal(ArticleIds, cl100k.Encode(text));
        Assert.Equal(51, cl100k.CountTokens(text));
    }
}
