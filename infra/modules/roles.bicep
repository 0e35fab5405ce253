// Every data-plane grant in one place: who may do what, on which resource, and why.
//
// The training identity (the GPU cluster's, so any job's) is granted roles on single blob containers
// of the data account only, never on a whole account: it must not reach the host account, which
// holds the app's deployment package and the task hub (tools/bicep/build.sh checks this).
@description('The Function App host\'s account: AzureWebJobsStorage, task hub, deployment package.')
param hostStorageAccountName string
@description('The data account: data lake containers and the Azure ML workspace\'s storage.')
param dataStorageAccountName string
@description('Container of the data account that jobs read their inputs from and write their outputs to.')
param jobDataContainerName string
@description('Container of the data account that holds the published trainer; jobs only read it.')
param trainerContainerName string
param eventHubNamespaceName string
param eventHubName string
@description('The vault the host keeps its keys in (not the workspace\'s vault).')
param hostKeyVaultName string
param applicationInsightsName string
param machineLearningWorkspaceName string
param cosmosAccountName string
param cosmosDatabaseName string

@description('Principal ID of the Function App identity.')
param appPrincipalId string
@description('Principal ID of the identity training jobs run as.')
param trainingPrincipalId string
@description('Principal ID of the person or pipeline running azd; empty to grant nothing.')
param deployerPrincipalId string
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string

func builtInRole(roleId string) string => subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)

// Built-in role definitions, by ID (the role names are in the comments).
var roles = {
  storageBlobDataOwner: builtInRole('b7e6dc6d-f1e8-4753-8033-0f276bb0955b') // Storage Blob Data Owner
  storageBlobDataContributor: builtInRole('ba92f5b4-2d11-453d-a403-e96b0029c9fe') // Storage Blob Data Contributor
  storageBlobDataReader: builtInRole('2a2b9908-6ea1-4ae2-8e65-a410df84e7d1') // Storage Blob Data Reader
  storageQueueDataContributor: builtInRole('974c5e8b-45b9-4653-ba55-5f855dd0fb88') // Storage Queue Data Contributor
  storageTableDataContributor: builtInRole('0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3') // Storage Table Data Contributor
  eventHubsDataReceiver: builtInRole('a638d3c7-ab3a-418d-83e6-5f17a39d4fde') // Azure Event Hubs Data Receiver
  eventHubsDataSender: builtInRole('2b629674-e913-4c01-ae53-ef4638d8f975') // Azure Event Hubs Data Sender
  keyVaultSecretsOfficer: builtInRole('b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
  monitoringMetricsPublisher: builtInRole('3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
  azureMLDataScientist: builtInRole('f6c7c914-8db3-469d-8ca1-694a8f32e121') // AzureML Data Scientist
}
// Cosmos DB data-plane roles live on the account, not in Azure RBAC.
var cosmosBuiltInDataContributor = '00000000-0000-0000-0000-000000000002' // Cosmos DB Built-in Data Contributor

var grantDeployer = !empty(deployerPrincipalId)

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: hostStorageAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: dataStorageAccountName

  resource blobs 'blobServices' existing = {
    name: 'default'

    resource jobData 'containers' existing = {
      name: jobDataContainerName
    }

    resource trainer 'containers' existing = {
      name: trainerContainerName
    }
  }
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName

  resource hub 'eventhubs' existing = {
    name: eventHubName
  }
}

resource hostVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: hostKeyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' existing = {
  name: machineLearningWorkspaceName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' existing = {
  name: cosmosAccountName
}
// Cosmos DB role assignment scopes use the data-plane path (/dbs/<name>), not the ARM resource ID.
var cosmosDatabaseScope = '${cosmos.id}/dbs/${cosmosDatabaseName}'

// ---- Function App identity ----

// Host storage: the Functions host keeps leases and Event Hubs checkpoints in blobs and creates its
// containers; the documented role for an identity-based AzureWebJobsStorage is Owner, not
// Contributor. The same grant covers the deployment package container.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: roles.storageBlobDataOwner
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Functions task hub: control and work-item queues.
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: roles.storageQueueDataContributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Functions task hub: history and instances tables.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: roles.storageTableDataContributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The data lake: the blob adapter's artifacts, and the outputs and metrics.json of training jobs.
resource appDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage.id, appPrincipalId, roles.storageBlobDataContributor)
  scope: dataStorage
  properties: {
    roleDefinitionId: roles.storageBlobDataContributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Event Hubs trigger: receive only, on the one hub. The app never sends; replays happen locally.
resource appEventHubsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventHubNamespace::hub.id, appPrincipalId, roles.eventHubsDataReceiver)
  scope: eventHubNamespace::hub
  properties: {
    roleDefinitionId: roles.eventHubsDataReceiver
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Host keys are stored in this vault (AzureWebJobsSecretStorageType=keyvault), and the host creates
// and rotates them, so read-only Key Vault Secrets User is not enough. The vault holds nothing else
// of value: the workspace has its own.
resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostVault.id, appPrincipalId, roles.keyVaultSecretsOfficer)
  scope: hostVault
  properties: {
    roleDefinitionId: roles.keyVaultSecretsOfficer
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry with Entra ID authentication (the component has local auth disabled).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: roles.monitoringMetricsPublisher
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Submit, watch and cancel Command jobs, read environments and datastores (to resolve
// azureml:name@latest and azureml://datastores/... URIs); it cannot create or delete compute.
resource appDataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, appPrincipalId, roles.azureMLDataScientist)
  scope: workspace
  properties: {
    roleDefinitionId: roles.azureMLDataScientist
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read and write items in the 'serverless' database only.
resource appCosmosContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: cosmos
  name: guid(cosmosDatabaseScope, appPrincipalId, cosmosBuiltInDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosBuiltInDataContributor}'
    principalId: appPrincipalId
    scope: cosmosDatabaseScope
  }
}

// ---- Training identity (the GPU cluster's identity) ----

// Read datasets and write models and metrics, in the one container jobs exchange data through.
resource trainingJobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::blobs::jobData.id, trainingPrincipalId, roles.storageBlobDataContributor)
  scope: dataStorage::blobs::jobData
  properties: {
    roleDefinitionId: roles.storageBlobDataContributor
    principalId: trainingPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read the published trainer; a job cannot change the code later jobs run.
resource trainingTrainerReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::blobs::trainer.id, trainingPrincipalId, roles.storageBlobDataReader)
  scope: dataStorage::blobs::trainer
  properties: {
    roleDefinitionId: roles.storageBlobDataReader
    principalId: trainingPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Deploying principal (optional): what a person needs to operate the deployment ----

// Upload datasets and the trainer (the azd postprovision hook), inspect models and forecasts, browse
// data in Azure ML studio. Nothing on the host account: deployments go through azd with Entra ID.
resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployer) {
  name: guid(dataStorage.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: dataStorage
  properties: {
    roleDefinitionId: roles.storageBlobDataContributor
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Send test events to the hub.
resource deployerEventHubsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployer) {
  name: guid(eventHubNamespace::hub.id, deployerPrincipalId, roles.eventHubsDataSender)
  scope: eventHubNamespace::hub
  properties: {
    roleDefinitionId: roles.eventHubsDataSender
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Set the secrets the app reads (for example a notification webhook).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployer) {
  name: guid(hostVault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: hostVault
  properties: {
    roleDefinitionId: roles.keyVaultSecretsOfficer
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Inspect and rerun training jobs in Azure ML studio.
resource deployerDataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployer) {
  name: guid(workspace.id, deployerPrincipalId, roles.azureMLDataScientist)
  scope: workspace
  properties: {
    roleDefinitionId: roles.azureMLDataScientist
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Read published lists and experiment aggregates with Data Explorer or the SDK. Cosmos DB refuses
// concurrent writes to an account's role assignments (412), so this one waits for the app's.
resource deployerCosmosContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (grantDeployer) {
  parent: cosmos
  name: guid(cosmosDatabaseScope, deployerPrincipalId, cosmosBuiltInDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosBuiltInDataContributor}'
    principalId: deployerPrincipalId
    scope: cosmosDatabaseScope
  }
  dependsOn: [
    appCosmosContributor
  ]
}
