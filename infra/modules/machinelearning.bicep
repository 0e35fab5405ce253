// Azure Machine Learning workspace and a GPU compute cluster for the training jobs that the
// TrainingJob orchestration submits (Command jobs over the REST API).
//
// - The workspace reaches its default storage with Entra ID (systemDatastoresAuthMode 'identity',
//   a preview feature), because the shared storage account has shared keys disabled. Its
//   system-assigned identity's role assignments are created by the service.
// - No container registry: jobs run in the 'serverless-trainer' environment, a public .NET runtime
//   image, so nothing is built. Add a registry and set 'containerRegistry' for custom images.
// - The cluster scales to zero nodes when idle and runs jobs as the training identity, which
//   reads datasets and writes models in the data lake.
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

resource trainerEnvironment 'Microsoft.MachineLearningServices/workspaces/environments@2025-06-01' = {
  parent: workspace
  name: trainerEnvironmentName
  properties: {
    description: 'Runtime for the Serverless trainer (tools/Serverless.Trainer).'
  }
}

resource trainerEnvironmentVersion 'Microsoft.MachineLearningServices/workspaces/environments/versions@2025-06-01' = {
  parent: trainerEnvironment
  name: '1'
  properties: {
    image: trainerImage
    osType: 'Linux'
    description: 'Public .NET runtime image; the trainer is passed to the job as code or input.'
  }
}

output workspaceName string = workspace.name
output workspaceId string = workspace.id
output computeName string = cluster.name
output trainerEnvironment string = 'azureml:${trainerEnvironment.name}:${trainerEnvironmentVersion.name}'
