using System.Text;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Rules;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class RulesTests
{
    // Popularity: j01 (5 users), j02 (3), j03 (2), then j04..j10 (1 each). u1 has j01-j03; u2 is cold.
    private static readonly Lazy<AlsModel> Model = new(() =>
    {
        var data = TestData.Parse("""
            user,item,weight
            u1,j01,1
            u1,j02,1
            u1,j03,1
            u2,j01,1
            u3,j01,1
            u3,j02,1
            u3,j03,1
            u3,j04,1
            u4,j01,1
            u4,j02,1
            u4,j05,1
            u4,j06,1
            u5,j01,1
            u5,j07,1
            u5,j08,1
            u5,j09,1
            u5,j10,1
            """);
        using var backend = new CpuAlsBackend();
        return AlsTrainer.Train(data, new AlsOptions { Factors = 2, Iterations = 1 }, backend).Model;
    });

    // Categories: j01-j04 "a", j05-j07 "b", j08-j10 "c".
    private static readonly ItemCatalog Catalog = new(Enumerable.Range(1, 10).Select(i =>
        KeyValuePair.Create($"j{i:D2}", new ItemInfo(i <= 4 ? "a" : i <= 7 ? "b" : "c"))));

    private static readonly ScoredList U1Candidates = new("u1",
        new[] { "j10", "j09", "j08", "j07", "j06", "j05", "j04" }.Select((id, r) => new ScoredItem(id, 1f - r * 0.1f)).ToArray());

    private static ServiceConfig Config(Func<ServiceConfig, ServiceConfig>? change = null)
    {
        var config = new ServiceConfig("jobs", ListLength: 5, MinListLength: 0);
        return change is null ? config : change(config);
    }

    private static PublishedList Apply(ServiceConfig config, ScoredList candidates) =>
        ListRules.Create(config, Model.Value, Catalog).ApplyToUser(candidates, "v1");

    private static string[] Ids(PublishedList list) => list.Items.Select(i => i.ItemId).ToArray();

    [Fact]
    public void Without_rules_the_model_order_is_kept_and_cut_to_the_list_length()
    {
        var list = Apply(Config(), U1Candidates);
        Assert.Equal(["j10", "j09", "j08", "j07", "j06"], Ids(list));
        Assert.All(list.Items, i => Assert.Null(i.Reason));
        Assert.Equal(("jobs", "v1", ListKind.UserItems, "u1"), (list.Service, list.Version, list.Kind, list.SubjectId));
    }

    [Fact]
    public void Pinned_items_take_their_fixed_positions_with_a_reason()
    {
        var list = Apply(Config(c => c with { Pinned = [new PinnedItem("j05", 3), new PinnedItem("j09", 1)] }), U1Candidates);

        Assert.Equal(["j09", "j10", "j05", "j08", "j07"], Ids(list));
        Assert.Equal("pinned at position 1", list.Items[0].Reason);
        Assert.Equal("pinned at position 3", list.Items[2].Reason);
        Assert.Null(list.Items[0].Score);
    }

    [Fact]
    public void A_pin_is_left_out_for_a_user_who_already_has_the_item()
    {
        var list = Apply(Config(c => c with { Pinned = [new PinnedItem("j01", 1)] }), U1Candidates);
        Assert.Equal(["j10", "j09", "j08", "j07", "j06"], Ids(list));
    }

    [Fact]
    public void Excluded_items_are_dropped()
    {
        var list = Apply(Config(c => c with { ExcludedItems = ["j10", "j08"] }), U1Candidates);
        Assert.Equal(["j09", "j07", "j06", "j05", "j04"], Ids(list));
    }

    [Fact]
    public void Excluded_categories_are_dropped()
    {
        var list = Apply(Config(c => c with { ExcludedCategories = ["c"] }), U1Candidates);
        Assert.Equal(["j07", "j06", "j05", "j04"], Ids(list));
    }

    [Fact]
    public void The_category_cap_keeps_lists_diverse()
    {
        var list = Apply(Config(c => c with { MaxPerCategory = 1 }), U1Candidates);
        Assert.Equal(["j10", "j07", "j04"], Ids(list));
    }

    [Fact]
    public void Short_lists_are_topped_up_with_popular_unseen_items_to_the_minimum_length()
    {
        var candidates = new ScoredList("u1", [new("j10", 0.9f), new("j09", 0.8f), new("j07", 0.7f)]);
        var list = Apply(Config(c => c with { ExcludedCategories = ["c"], MinListLength = 4 }), candidates);

        Assert.Equal(["j07", "j04", "j05", "j06"], Ids(list));
        Assert.Null(list.Items[0].Reason);
        Assert.All(list.Items.Skip(1), i => Assert.Equal(ListRules.ReasonFallback, i.Reason));
    }

    [Fact]
    public void Cold_users_get_the_popularity_list()
    {
        var list = Apply(Config(c => c with { MinUserInteractions = 3 }), new ScoredList("u2", [new("j10", 1f)]));

        Assert.Equal(["j02", "j03", "j04", "j05", "j06"], Ids(list)); // j01 is the user's own
        Assert.All(list.Items, i => Assert.Equal(ListRules.ReasonColdUser, i.Reason));
        Assert.Equal(3f / 5f, list.Items[0].Score);
    }

    [Fact]
    public void Unknown_users_get_the_popularity_list_under_the_same_rules()
    {
        var rules = ListRules.Create(Config(c => c with { ExcludedItems = ["j02"] }), Model.Value, Catalog);
        var list = rules.ForUnknownUser("newcomer", "v1");
        Assert.Equal(["j01", "j03", "j04", "j05", "j06"], Ids(list));
        Assert.All(list.Items, i => Assert.Equal(ListRules.ReasonUnknownUser, i.Reason));
        Assert.Equal(Ids(list), Ids(rules.ApplyToUser(new ScoredList("newcomer", []), "v1")));
    }

    [Fact]
    public void Item_lists_never_contain_the_item_itself()
    {
        var rules = ListRules.Create(Config(c => c with { Pinned = [new PinnedItem("j04", 1)] }), Model.Value, Catalog);
        var neighbours = new ScoredList("j04", [new("j04", 1f), new("j05", 0.9f), new("j06", 0.8f)]);

        var list = rules.ApplyToItems([neighbours], "v1").Single();

        Assert.Equal(ListKind.ItemItems, list.Kind);
        Assert.Equal(["j05", "j06"], Ids(list));
    }

    [Theory]
    [InlineData("pinned")]
    [InlineData("excludedItems")]
    [InlineData("excludedCategories")]
    public void A_config_naming_unknown_items_is_an_error_naming_config_field_and_items(string field)
    {
        var config = field switch
        {
            "pinned" => Config(c => c with { Pinned = [new PinnedItem("ghost-1", 1), new PinnedItem("j01", 2), new PinnedItem("ghost-2", 3)] }),
            "excludedItems" => Config(c => c with { ExcludedItems = ["ghost-1", "ghost-2"] }),
            _ => Config(c => c with { ExcludedCategories = ["ghost-1", "ghost-2"] }),
        };

        var error = Assert.Throws<ServiceConfigException>(() => ListRules.Create(config, Model.Value, Catalog, "configs/jobs.json"));

        Assert.Equal("configs/jobs.json", error.Config);
        Assert.Equal(field, error.Field);
        Assert.Equal(["ghost-1", "ghost-2"], error.Items);
        Assert.Contains("configs/jobs.json", error.Message);
        Assert.Contains("ghost-1, ghost-2", error.Message);
    }

    [Fact]
    public void Catalogue_only_items_may_be_pinned()
    {
        var catalog = new ItemCatalog(Catalog.ItemIds.Select(i => KeyValuePair.Create(i, new ItemInfo(Catalog.CategoryOf(i)!)))
            .Append(KeyValuePair.Create("brand-new", new ItemInfo("a"))));
        var rules = ListRules.Create(Config(c => c with { Pinned = [new PinnedItem("brand-new", 2)] }), Model.Value, catalog);
        Assert.Equal("brand-new", rules.ApplyToUser(U1Candidates, "v1").Items[1].ItemId);
    }

    [Fact]
    public void Configs_load_from_json_and_bad_ones_are_errors_naming_source_and_field()
    {
        const string good = """{"service":"jobs","listLength":5,"minListLength":3,"pinned":[{"itemId":"j01","position":2}],"maxPerCategory":2}""";
        var config = ServiceConfig.Load(new MemoryStream(Encoding.UTF8.GetBytes(good)), "jobs.json");
        Assert.Equal(("jobs", 5, 3, 2), (config.Service, config.ListLength, config.MinListLength, config.MaxPerCategory));
        Assert.Equal(new PinnedItem("j01", 2), config.Pinned.Single());

        var typo = Assert.Throws<ServiceConfigException>(() =>
            ServiceConfig.Load(new MemoryStream(Encoding.UTF8.GetBytes("""{"service":"jobs","maxPerCatgory":2}""")), "jobs.json"));
        Assert.Contains("jobs.json", typo.Message);
        Assert.Contains("maxPerCatgory", typo.Message);

        var position = Assert.Throws<ServiceConfigException>(() => ServiceConfig.Load(new MemoryStream(Encoding.UTF8.GetBytes(
            """{"service":"jobs","listLength":5,"pinned":[{"itemId":"j01","position":9}]}""")), "jobs.json"));
        Assert.Equal(("pinned", "j01"), (position.Field, position.Items.Single()));
    }
}
