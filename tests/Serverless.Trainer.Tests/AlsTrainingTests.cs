using System.Text.Json;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;

namespace Serverless.Trainer.Tests;

public sealed class AlsTrainingTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _interactions;

    public AlsTrainingTests()
    {
        var data = SyntheticInteractions.Generate(new SyntheticDataOptions { Users = 300, Items = 150, Interactions = 6_000, Seed = 11 });
        _interactions = _temp.Combine("input", "interactions.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(_interactions)!);
        using var writer = new StreamWriter(_interactions);
        data.WriteInteractionsCsv(writer);
    }

    public void Dispose() => _temp.Dispose();

    private AlsTrainingArguments Arguments(string output, AlsDevice device) =>
        new(_interactions, _temp.Write("als.json", """{ "factors": 16, "iterations": 6, "regularization": 5, "seed": 3 }"""), output, device);

    [Fact]
    public void The_ilgpu_kernels_give_the_same_factors_as_the_cpu_within_tolerance()
    {
        var log = new StringWriter();
        var cpu = AlsTraining.Run(Arguments(_temp.Combine("cpu"), AlsDevice.Cpu), log);
        var gpu = AlsTraining.Run(Arguments(_temp.Combine("gpu"), AlsDevice.Gpu), log);

        Assert.StartsWith("ilgpu-", gpu.Backend);
        Assert.Equal("cpu-simd", cpu.Backend);
        Assert.Equal(cpu.ModelVersion, gpu.ModelVersion);
        AssertClose(cpu.Model.Factors.UserFactors, gpu.Model.Factors.UserFactors);
        AssertClose(cpu.Model.Factors.ItemFactors, gpu.Model.Factors.ItemFactors);
        Assert.Contains("ILGPU's CPU accelerator", log.ToString());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 1e-4f * Math.Max(1f, scale), $"largest difference {worst} (largest factor {scale})");
        Assert.NotEqual(0f, scale);
    }

    [Fact]
    public void The_cpu_path_gives_the_in_process_model_bit_for_bit_and_writes_model_metrics_and_manifest()
    {
        var output = _temp.Combine("out");
        var outcome = AlsTraining.Run(Arguments(output, AlsDevice.Cpu), TextWriter.Null);

        InteractionImportResult import;
        using (var reader = new StreamReader(_interactions)) import = InteractionCsv.Import(reader, _interactions);
        var options = AlsOptions.Default with { Factors = 16, Iterations = 6, Regularization = 5, Seed = 3 };
        using var backend = new CpuAlsBackend();
        var inProcess = AlsTrainer.Train(import.Dataset, options, backend);

        AlsModel written;
        using (var stream = File.OpenRead(Path.Combine(output, AlsTraining.ModelFileName))) written = AlsModel.ReadFrom(stream);
        Assert.Equal(inProcess.Model.Version, written.Version);
        Assert.Equal(inProcess.Model.Factors.UserFactors, written.Factors.UserFactors);
        Assert.Equal(inProcess.Model.Factors.ItemFactors, written.Factors.ItemFactors);
        Assert.Equal(outcome.ModelVersion, written.Version);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal(import.Dataset.Users.Count, metrics.RootElement.GetProperty("metrics").GetProperty("users").GetDouble());
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainerManifest.FileName)));
        var root = manifest.RootElement;
        Assert.Equal(import.Dataset.Hash, root.GetProperty("dataHash").GetString());
        Assert.Equal(written.Version, root.GetProperty("modelVersion").GetString());
        Assert.Contains("seed=3", root.GetProperty("parameters").GetProperty("als").GetString());
        Assert.Equal(TrainerManifest.Sha256(_interactions), root.GetProperty("inputs").GetProperty(_interactions).GetString());
        Assert.Equal(TrainerManifest.Sha256(Path.Combine(output, AlsTraining.ModelFileName)), root.GetProperty("outputs").GetProperty(AlsTraining.ModelFileName).GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("codeVersion").GetString()));
    }

    [Fact]
    public async Task The_command_line_trains_from_a_folder_input_and_seed_override()
    {
        var output = _temp.Combine("cli");
        var log = new StringWriter();
        var code = await TrainerCommandLine.RunAsync(
            ["als", "--interactions", Path.GetDirectoryName(_interactions)!, "--output", output, "--device", "cpu", "--factors", "8", "--iterations", "2", "--seed", "9"],
            log, log);

        Assert.True(code == 0, log.ToString());
        Assert.True(File.Exists(Path.Combine(output, AlsTraining.ModelFileName)));
        Assert.Contains("factors=8;iterations=2", log.ToString());
        Assert.Contains("seed=9", log.ToString());
    }

    [Fact]
    public async Task Rows_with_bad_weights_are_quarantined_with_file_line_and_field()
    {
        var csv = _temp.Write("bad.csv", "user,item,weight\nu1,i1,1\nu1,i2,lots\nu2,i1,2\nu2,i3,1\n");
        var output = _temp.Combine("bad-out");
        var log = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["als", "--interactions", csv, "--output", output, "--factors", "2", "--iterations", "1", "--device", "cpu"], log, log);

        Assert.True(code == 0, log.ToString());
        var quarantine = File.ReadAllLines(Path.Combine(output, AlsTraining.QuarantineFileName));
        Assert.Equal(2, quarantine.Length);
        Assert.Contains($"{csv},3,weight", quarantine[1]);
    }

    [Theory]
    [InlineData("user,item,weight\n", "the file has a header but no interactions")]
    [InlineData("", "the file is empty")]
    [InlineData("user,item,weight\nu1,i1,x\nu2,i2,y\n", "all 2 rows were quarantined")]
    public async Task An_unusable_interaction_file_exits_2_with_one_line_naming_the_file(string content, string expected)
    {
        var csv = _temp.Write("unusable.csv", content);
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["als", "--interactions", csv, "--output", _temp.Combine("x")], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: {csv}:", error.ToString());
        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public async Task A_config_with_an_unknown_field_exits_2_naming_the_line_and_field()
    {
        var config = _temp.Write("als-bad.json", "{\n  \"factors\": 8,\n  \"iteratons\": 3\n}");
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["als", "--interactions", _interactions, "--config", config, "--output", _temp.Combine("y")], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains($"{config}: line 3", error.ToString());
        Assert.Contains("iteratons", error.ToString());
    }

    [Fact]
    public async Task A_missing_input_exits_2_and_writes_nothing()
    {
        var output = _temp.Combine("never");
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["als", "--interactions", _temp.Combine("nope.csv"), "--output", output], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains("nope.csv: --interactions: no such file or folder", error.ToString());
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Negative_regularisation_is_refused_before_training()
    {
        var config = _temp.Write("neg.json", """{ "regularization": -1 }""");
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["als", "--interactions", _interactions, "--config", config, "--output", _temp.Combine("z")], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains("Regularization", error.ToString());
    }
}
