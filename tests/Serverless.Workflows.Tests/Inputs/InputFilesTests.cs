using System.Diagnostics;
using Serverless.Workflows.Inputs;

namespace Serverless.Workflows.Tests.Inputs;

/// <summary>A path from a request names a file only inside the input folder, only a regular file, only up to its limit.</summary>
public sealed class InputFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("serverless-inputs-").FullName;
    private readonly InputFiles _files;

    public InputFilesTests()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "inputs", "configs"));
        File.WriteAllText(Path.Combine(_folder, "inputs", "configs", "forecast.json"), "{ \"serviceLevel\": 0.9 }");
        // What a path that escapes would reach: the host's keys beside the input folder.
        Directory.CreateDirectory(Path.Combine(_folder, ".data"));
        File.WriteAllText(Path.Combine(_folder, ".data", "host.keys"), "# keys\nsecret-key-0123456789\n");
        _files = new InputFiles(Path.Combine(_folder, "inputs"), maxFileBytes: 1024);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_file_in_the_input_folder_is_read()
    {
        Assert.Equal("{ \"serviceLevel\": 0.9 }", _files.ReadAllText("configs/forecast.json", "configPath"));
    }

    [Theory]
    [InlineData("/proc/self/environ")]
    [InlineData("/dev/zero")]
    [InlineData("../.data/host.keys")]
    [InlineData("configs/../../.data/host.keys")]
    [InlineData("./configs/forecast.json")]
    [InlineData("C:/windows/win.ini")]
    [InlineData("configs\\forecast.json")]
    public void A_path_that_could_leave_the_folder_is_refused_before_anything_is_opened(string path)
    {
        var error = Assert.Throws<InputFileException>(() => _files.ReadAllText(path, "configPath"));

        Assert.StartsWith("configPath '", error.Message);
        Assert.Contains("refused", error.Message);
        Assert.DoesNotContain("secret", error.Message);
        Assert.DoesNotContain("#", error.Message);
    }

    [Fact]
    public void Missing_files_inside_and_outside_answer_without_telling_what_exists_outside()
    {
        var outsideExisting = Assert.Throws<InputFileException>(() => _files.ReadAllText("/etc/passwd", "configPath")).Message;
        var outsideMissing = Assert.Throws<InputFileException>(() => _files.ReadAllText("/etc/no-such-file", "configPath")).Message;
        var insideMissing = Assert.Throws<InputFileException>(() => _files.ReadAllText("configs/none.json", "configPath")).Message;

        Assert.Equal(outsideExisting.Replace("/etc/passwd", "X"), outsideMissing.Replace("/etc/no-such-file", "X"));
        Assert.Contains("no such file in the input folder", insideMissing);
    }

    [Theory]
    [InlineData("/proc/self/environ")]
    [InlineData("/dev/zero")]
    [InlineData("../.data/host.keys")]
    public void A_symbolic_link_in_the_folder_is_not_followed(string target)
    {
        var full = target.StartsWith('/') ? target : Path.GetFullPath(Path.Combine(_folder, "inputs", target));
        File.CreateSymbolicLink(Path.Combine(_folder, "inputs", "link.json"), full);
        Directory.CreateSymbolicLink(Path.Combine(_folder, "inputs", "outside"), Path.Combine(_folder, ".data"));

        var viaFile = Assert.Throws<InputFileException>(() => _files.ReadAllText("link.json", "configPath"));
        var viaFolder = Assert.Throws<InputFileException>(() => _files.ReadAllText("outside/host.keys", "configPath"));

        Assert.Contains("symbolic link", viaFile.Message);
        Assert.Contains("symbolic link", viaFolder.Message);
        Assert.DoesNotContain("secret", viaFolder.Message);
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_instead_of_blocking_until_a_writer_comes()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = Path.Combine(_folder, "inputs", "pipe.json");
        using (var mkfifo = Process.Start("mkfifo", fifo)) await mkfifo.WaitForExitAsync();

        // Without the type check the open below would block this thread for good; the deadline turns that into a failure.
        var read = Task.Run(() => _files.ReadAllText("pipe.json", "configPath"));
        var error = await Assert.ThrowsAsync<InputFileException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("only regular files", error.Message);
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_without_reading_it_all()
    {
        File.WriteAllBytes(Path.Combine(_folder, "inputs", "big.json"), new byte[1025]);
        File.WriteAllBytes(Path.Combine(_folder, "inputs", "exact.json"), "{}"u8.ToArray().Concat(Enumerable.Repeat((byte)' ', 1022)).ToArray());

        var error = Assert.Throws<InputFileException>(() => _files.ReadAllText("big.json", "configPath"));

        Assert.Contains("larger than 1024 bytes", error.Message);
        Assert.Equal(1024, _files.ReadAllText("exact.json", "configPath").Length);
    }

    [Fact]
    public void A_folder_is_not_a_file()
    {
        Assert.Contains("is a folder", Assert.Throws<InputFileException>(() => _files.ReadAllText("configs", "configPath")).Message);
    }
}
