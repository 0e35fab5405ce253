using System.Net;
using System.Text;
using Microsoft.Azure.Cosmos;
using Moq;
using Serverless.Storage.Azure.Documents;

namespace Serverless.Storage.Tests.Documents;

/// <summary>
/// Cosmos DB answers that the emulator (cosmosdb-server) cannot give, played by a mocked SDK
/// <see cref="Container"/>: a 404 for a missing item (the emulator answers 500), a real 500, and
/// query results spread over several pages.
/// </summary>
public sealed class CosmosDocumentStoreMockTests
{
    private readonly Mock<Container> _container = new(MockBehavior.Strict);

    private void PointReadAnswers(HttpStatusCode status) =>
        _container.Setup(c => c.ReadItemStreamAsync("user-1", new PartitionKey("lists/web"), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ResponseMessage(status));

    [Fact]
    public async Task Azure_answering_404_to_a_point_read_means_not_found()
    {
        PointReadAnswers(HttpStatusCode.NotFound);
        var store = new CosmosDocumentStore(_container.Object);

        Assert.Null(await store.ReadAsync("lists/web", "user-1"));
    }

    [Fact]
    public async Task Azure_answering_500_to_a_point_read_is_an_error_not_a_missing_item()
    {
        PointReadAnswers(HttpStatusCode.InternalServerError);
        var store = new CosmosDocumentStore(_container.Object, new CosmosDocumentStoreOptions { MissingItemReadsAsServerError = false });

        var error = await Assert.ThrowsAsync<CosmosException>(() => store.ReadAsync("lists/web", "user-1"));
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task The_emulator_answering_500_to_a_point_read_means_not_found()
    {
        PointReadAnswers(HttpStatusCode.InternalServerError);
        var store = new CosmosDocumentStore(_container.Object, new CosmosDocumentStoreOptions { MissingItemReadsAsServerError = true });

        Assert.Null(await store.ReadAsync("lists/web", "user-1"));
    }

    [Fact]
    public async Task Azure_query_results_over_several_pages_are_all_returned_from_one_partition()
    {
        QueryDefinition? query = null;
        QueryRequestOptions? options = null;
        var pages = new Queue<ResponseMessage>([Page("u1", "u2"), Page("u3")]);
        var iterator = new Mock<FeedIterator>();
        iterator.SetupGet(i => i.HasMoreResults).Returns(() => pages.Count > 0);
        iterator.Setup(i => i.ReadNextAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => pages.Dequeue());
        _container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), null, It.IsAny<QueryRequestOptions>()))
            .Callback((QueryDefinition q, string _, QueryRequestOptions o) => (query, options) = (q, o))
            .Returns(iterator.Object);
        var store = new CosmosDocumentStore(_container.Object);

        var ids = await store.QueryAsync("lists/web", "u").Select(d => d.Id).ToListAsync();

        Assert.Equal(["u1", "u2", "u3"], ids);
        Assert.Equal(new PartitionKey("lists/web"), options!.PartitionKey);
        Assert.Contains("c.pk = @pk", query!.QueryText);
        Assert.DoesNotContain("ORDER BY", query.QueryText, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(query.GetQueryParameters(), p => p.Name == "@pk" && (string)p.Value == "lists/web");
    }

    private static ResponseMessage Page(params string[] ids)
    {
        var documents = string.Join(",", ids.Select(id => $$"""{"id":"{{id}}","pk":"lists/web","body":{},"_etag":"\"e-{{id}}\""}"""));
        return new ResponseMessage(HttpStatusCode.OK)
        {
            Content = new MemoryStream(Encoding.UTF8.GetBytes($$"""{"Documents":[{{documents}}],"_count":{{ids.Length}}}""")),
        };
    }
}
