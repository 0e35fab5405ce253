// Azure Machine Learning workspace, a GPU compute cluster, the trainer environment and the
// datastores training jobs read and write through (Command jobs submitted over the REST API by the
// TrainingJob orchestration).
//
// - The workspace reaches its default storage (the data account) with Entra ID
//   (systemDatastoresAuthMode 'identity', a preview feature), because the account has shared keys
//   disabled. Its system-assigned identity's role assignments are created by the service. Its Key
//   Vault is its own: the Function App's host keys live in another vault.
// - Datastores are identity-based (credentials 'None'): a job reaches them as its own identity (the
//   cluster's, the training identity), which holds roles on exactly those containers (roles.bicep).
// - No container registry: jobs run in the 'serverless-trainer' environment, a public .NET runtime
//   image, so nothing is built. The trainer itself is an input folder (TrainerUri).
// - The cluster scales to zero nodes when idle and runs jobs as the training identity.
//
// Re-provisioning: environment versions are immutable, so the version name is derived from the
// version's content and a new image registers a new version. The compute cluster is different: Azure
// ML does not apply a changed vmSize (and ignores some scale settings) on a re-PUT of an existing
// cluster; docs/operations.md says how to recreate it.
param location string
param tags object
param workspaceName string
param storageAccountId string
param keyVaultId string
param applicationInsightsId string
param computeName string
@description('GPU VM size for the cluster. The subscription needs quota for its VM family in this region.')
param vmSize string
@minValue(1)
param maxNodeCount int
@minValue(60)
@description('Seconds a node stays idle before the cluster scales it down.')
param idleSecondsBeforeScaleDown int
param trainingIdentityId string
@description('Name of the environment training jobs run in (referenced as azureml:<name>:<version>).')
param trainerEnvironmentName string
@description('Container image of the trainer environment: the .NET runtime the trainer runs on.')
param trainerImage string
@description('Identity-based blob datastores over containers of the workspace\'s storage account: name, containerName, description.')
param datastores {
  name: string
  containerName: string
  description: string
}[]

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' = {
  name: workspaceName
  location: location
  tags: tags
  kind: 'Default'
  sku: {
    name: 'Basic'
    tier: 'Basic'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: 'Serverless training'
    storageAccount: storageAccountId
    keyVault: keyVaultId
    applicationInsights: applicationInsightsId
    systemDatastoresAuthMode: 'identity'
    publicNetworkAccess: 'Enabled'
    hbiWorkspace: false
    v1LegacyMode: false
  }
}

resource cluster 'Microsoft.MachineLearningServices/workspaces/computes@2025-06-01' = {
  parent: workspace
  name: computeName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${trainingIdentityId}': {}
    }
  }
  properties: {
    computeType: 'AmlCompute'
    description: 'GPU cluster for training jobs; scales to zero when idle.'
    disableLocalAuth: true
    properties: {
      vmSize: vmSize
      vmPriority: 'Dedicated'
      osType: 'Linux'
      remoteLoginPortPublicAccess: 'Disabled'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: maxNodeCount
        nodeIdleTimeBeforeScaleDown: 'PT${idleSecondsBeforeScaleDown}S'
      }
    }
  }
}

resource datastore 'Microsoft.MachineLearningServices/workspaces/datastores@2025-06-01' = [
  for store in datastores: {
    parent: workspace
    name: store.name
    properties: {
      datastoreType: 'AzureBlob'
      description: store.description
      accountName: last(split(storageAccountId, '/'))
      containerName: store.containerName
      endpoint: environment().suffixes.storage
      protocol: 'https'
      // No stored credential: the job's identity (or the Studio user's) is used.
      credentials: {
        credentialsType: 'None'
      }
      serviceDataAccessAuthIdentity: 'None'
    }
  }
]

resource trainerEnvironment 'Microsoft.MachineLearningServices/workspaces/environments@2025-06-01' = {
  parent: workspace
  name: trainerEnvironmentName
  properties: {
    description: 'Runtime for the Serverless trainer (tools/Serverless.Trainer).'
  }
}

var trainerEnvironmentProperties = {
  image: trainerImage
  osType: 'Linux'
  description: 'Public .NET runtime image; the trainer is passed to the job as an input folder.'
}

// The version name is a hash of what the version holds: registered versions are immutable, so a new
// image (or description) must be a new version, and an unchanged one must keep its name.
resource trainerEnvironmentVersion 'Microsoft.MachineLearningServices/workspaces/environments/versions@2025-06-01' = {
  parent: trainerEnvironment
  name: uniqueString(string(trainerEnvironmentProperties))
  properties: trainerEnvironmentProperties
}

output workspaceName string = workspace.name
output workspaceId string = workspace.id
output computeName string = cluster.name
output trainerEnvironment string = 'azureml:${trainerEnvironment.name}:${trainerEnvironmentVersion.name}'
output datastoreNames string[] = [for (store, i) in datastores: datastore[i].name]
