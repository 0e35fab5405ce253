using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Modeling;

namespace Serverless.Forecasting.Tests;

/// <summary>One trained small model shared by the tests that need one.</summary>
public sealed class ModelFixture
{
    public ModelFixture()
    {
        Histories = TestData.Histories();
        Model = ForecastTrainer.Train(Histories, TestData.SmallConfig, "test");
    }

    public IReadOnlyList<StoreHistory> Histories { get; }

    public ForecastModel Model { get; }
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "trained model";
}
