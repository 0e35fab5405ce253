using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Storage.Tests.Support;

public sealed class KeyRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("forecasts/2025-W15/store-12.json")]
    [InlineData("models/als v1/factors.bin")]
    public void Valid_blob_paths_pass(string path) => BlobPath.Validate(path);

    [Theory]
    [InlineData("a/b.")]
    [InlineData("a/./b")]
    [InlineData("a\u0001b")]
    public void Invalid_blob_paths_name_the_path_and_the_rule(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => BlobPath.Validate(path));

        Assert.Contains("Invalid blob path", error.Message);
    }

    [Fact]
    public void A_blob_path_longer_than_the_limit_is_refused()
    {
        Assert.Throws<ArgumentException>(() => BlobPath.Validate(new string('a', BlobPath.MaxLength + 1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("runs/")]
    [InlineData("runs/1")]
    public void Prefixes_may_be_empty_or_end_in_a_slash_or_part_of_a_segment(string prefix) => BlobPath.ValidatePrefix(prefix);

    [Theory]
    [InlineData("/runs")]
    [InlineData("runs//x")]
    [InlineData("runs/.x")]
    public void Invalid_prefixes_are_refused(string prefix) =>
        Assert.Throws<ArgumentException>(() => BlobPath.ValidatePrefix(prefix));

    [Fact]
    public void Partition_keys_may_hold_slashes_but_ids_may_not()
    {
        DocumentKey.Validate("recommendations/web", "user-1");

        Assert.Throws<ArgumentException>(() => DocumentKey.ValidateId("users/1"));
        Assert.Throws<ArgumentException>(() => DocumentKey.ValidateId(new string('x', DocumentKey.MaxIdLength + 1)));
        Assert.Throws<ArgumentException>(() => DocumentKey.ValidatePartitionKey("tab\there"));
    }
}
