using System.Text.Json;

namespace Serverless.Training.Local;

/// <summary>
/// The job folders under <c>&lt;root&gt;/jobs/</c>: one per job name, holding <c>job.json</c>, the log
/// and a lock file. Writes are atomic (write aside, then rename) and read-modify-write sequences
/// hold the job's lock, which also excludes other processes using the same root.
/// </summary>
internal sealed class LocalJobStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(10);

    public LocalJobStore(string rootDirectory)
    {
        JobsDirectory = Path.Combine(Path.GetFullPath(rootDirectory), "jobs");
    }

    public string JobsDirectory { get; }

    public string JobDirectory(string name) => Path.Combine(JobsDirectory, name);

    public string RecordPath(string name) => Path.Combine(JobDirectory(name), "job.json");

    public string LogPath(string name) => Path.Combine(JobDirectory(name), "job.log");

    public bool Exists(string name) => File.Exists(RecordPath(name));

    /// <summary>The job's record, or null when there is no job of that name.</summary>
    public LocalJobRecord? Read(string name)
    {
        var path = RecordPath(name);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(text, LocalJobJson.Default.LocalJobRecord)
                ?? throw new InvalidDataException($"{path}: line 1: the job record is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: line {ex.LineNumber + 1}: field {ex.Path ?? "$"}: the job record is not valid: {ex.Message}", ex);
        }
    }

    public void Write(LocalJobRecord record)
    {
        var path = RecordPath(record.Name);
        var aside = path + $".{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(aside, JsonSerializer.SerializeToUtf8Bytes(record, LocalJobJson.Default.LocalJobRecord));
        File.Move(aside, path, overwrite: true);
    }

    /// <summary>Takes the job's lock (creating its folder), waiting while another holder has it.</summary>
    public async Task<IDisposable> LockAsync(string name, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(JobDirectory(name));
        var path = Path.Combine(JobDirectory(name), "job.lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new IOException($"Gave up after {LockTimeout.TotalSeconds:0} s waiting for the lock of training job '{name}' ({path}).", ex);
                }
                await Task.Delay(LockRetry, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
