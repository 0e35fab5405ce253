using Serverless.Experiments.Assignment;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// The assignment API's logic: a user's variant with its parameters. New users are hashed onto the weights in force and
/// their assignment is recorded (document store, one document per experiment and user), so a user keeps their variant
/// when a bandit moves the weights later.
/// </summary>
public sealed class AssignmentService(ExperimentDefinitionStore definitions, ExperimentRecomputer recomputer, IDocumentStore documents, TimeProvider time)
{
    /// <summary>The user's variant, or null when there is no such experiment.</summary>
    public async Task<AssignmentView?> AssignAsync(string experimentId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var found = await definitions.GetAsync(experimentId, cancellationToken).ConfigureAwait(false);
        if (found is null) return null;
        var definition = found.Value.Definition;
        var partition = ExperimentKeys.AssignmentsPartition(definition.Id);
        var documentId = ExperimentKeys.UserDocumentId(userId);
        var now = time.GetUtcNow();

        var recorded = await documents.ReadAsync(partition, documentId, ExperimentDocumentsJsonContext.Default.VariantAssignment, cancellationToken).ConfigureAwait(false);
        var weights = (await recomputer.GetAllocationAsync(definition, cancellationToken).ConfigureAwait(false)).Current;
        var assignment = VariantAssigner.Assign(definition, userId, weights, Matching(recorded?.Value, definition.Id, userId), now);
        if (assignment.ShouldRecord)
        {
            try
            {
                await documents.CreateAsync(partition, documentId, assignment, ExperimentDocumentsJsonContext.Default.VariantAssignment, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                // A concurrent request recorded the user first: theirs is the user's assignment.
                recorded = await documents.ReadAsync(partition, documentId, ExperimentDocumentsJsonContext.Default.VariantAssignment, cancellationToken).ConfigureAwait(false);
                assignment = VariantAssigner.Assign(definition, userId, weights, Matching(recorded?.Value, definition.Id, userId), now);
            }
        }
        var variant = definition.Variants[definition.IndexOfVariant(assignment.VariantId)];
        return new AssignmentView(definition.Id, userId, variant.Id, variant.Parameters, assignment.Source, assignment.AssignedAt);
    }

    /// <summary>A recorded assignment for exactly this user (a hashed document id cannot belong to another user, but check anyway).</summary>
    private static VariantAssignment? Matching(VariantAssignment? recorded, string experimentId, string userId) =>
        recorded is not null && recorded.ExperimentId == experimentId && recorded.UserId == userId ? recorded : null;
}
