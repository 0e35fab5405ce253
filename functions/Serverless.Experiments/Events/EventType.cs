namespace Serverless.Experiments.Events;

/// <summary>Behaviour event kinds. Their numeric values index per-type counters.</summary>
public enum EventType : byte
{
    Exposure = 0,
    Click = 1,
    Conversion = 2,
}
