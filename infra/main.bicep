// Serverless: everything `azd up` creates for running the orchestrations on Azure Functions.
// Subscription scope: creates the resource group, then one module per resource in it.
// Registry modules (br/public:avm/...) are not used so the templates build offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Object ID of the person or pipeline running azd. When set, it gets data access for operating the deployment (see roles.bicep). Empty grants nothing.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal principalId names.')
param principalType string = 'User'

@description('Durable Functions task hub name (letters and digits). Change it to start from an empty hub.')
param taskHubName string = 'ServerlessHub'

@description('GPU VM size of the Azure ML training cluster. Needs quota for its family in the region.')
param gpuVmSize string = 'Standard_NC4as_T4_v3'

@minValue(1)
@maxValue(20)
@description('Most GPU nodes the training cluster may scale to.')
param gpuMaxNodeCount int = 1

@minValue(60)
@description('Seconds an idle GPU node is kept before the cluster scales it down.')
param gpuIdleSecondsBeforeScaleDown int = 300

@minValue(1)
@maxValue(1000)
@description('Most Flex Consumption instances the Function App may scale to.')
param functionMaximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Memory per Function App instance in MB. Training and scoring activities want 2048 or more.')
param functionInstanceMemoryMB int = 2048

@minValue(1)
@maxValue(32)
@description('Partitions of the behaviour-events hub; bounds the parallelism of the aggregation trigger. Fixed once created on the Standard tier.')
param eventHubPartitionCount int = 4

@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('NCRONTAB schedule (UTC) of the weekly demand forecast timer. Default: Mondays 10:00 Asia/Tokyo = Mondays 01:00 UTC.')
param weeklyForecastSchedule string = '0 0 1 * * MON'

@description('NCRONTAB schedule (UTC) of the recommendation refresh timer. Default: daily 03:00 Asia/Tokyo = 18:00 UTC.')
param recommendationRefreshSchedule string = '0 0 18 * * *'

@description('Container image of the Azure ML environment training jobs run in.')
param trainerImage string = 'mcr.microsoft.com/dotnet/runtime:10.0'

@description('Turn on Key Vault purge protection (cannot be turned off again).')
param keyVaultPurgeProtection bool = false

var tags = {
  'azd-env-name': environmentName
}
// Deterministic per subscription, environment and region, so names are stable across runs.
var token = toLower(uniqueString(subscription().id, environmentName, location))
var names = {
  resourceGroup: 'rg-${environmentName}'
  appIdentity: 'id-func-${token}'
  trainingIdentity: 'id-train-${token}'
  logAnalytics: 'log-${token}'
  applicationInsights: 'appi-${token}'
  storage: 'st${token}'
  eventHubNamespace: 'evhns-${token}'
  cosmos: 'cosmos-${token}'
  keyVault: 'kv-${token}'
  machineLearning: 'mlw-${token}'
  plan: 'plan-${token}'
  functionApp: 'func-${token}'
}
var deploymentContainerName = 'app-package'
// The blob and Cosmos DB containers the Storage adapters use (their defaults in StorageSettings).
var appBlobContainerName = 'serverless'
var appCosmosContainerName = 'documents'
var cosmosDatabaseName = 'serverless'
var eventHubName = 'behaviour-events'
var eventHubConsumerGroup = 'aggregation'
var gpuComputeName = 'gpu-cluster'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    appIdentityName: names.appIdentity
    trainingIdentityName: names.trainingIdentity
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.storage
    deploymentContainerName: deploymentContainerName
    appContainerName: appBlobContainerName
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    namespaceName: names.eventHubNamespace
    hubName: eventHubName
    consumerGroupName: eventHubConsumerGroup
    partitionCount: eventHubPartitionCount
    messageRetentionInDays: 1
  }
}

module cosmos 'modules/cosmos.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    accountName: names.cosmos
    databaseName: cosmosDatabaseName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.keyVault
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module machineLearning 'modules/machinelearning.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: names.machineLearning
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    computeName: gpuComputeName
    vmSize: gpuVmSize
    maxNodeCount: gpuMaxNodeCount
    idleSecondsBeforeScaleDown: gpuIdleSecondsBeforeScaleDown
    trainingIdentityId: identity.outputs.trainingIdentityId
    trainerEnvironmentName: 'serverless-trainer'
    trainerImage: trainerImage
  }
}

module roles 'modules/roles.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.hubName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    machineLearningWorkspaceName: machineLearning.outputs.workspaceName
    cosmosAccountName: cosmos.outputs.accountName
    cosmosDatabaseName: cosmos.outputs.databaseName
    appPrincipalId: identity.outputs.appPrincipalId
    trainingPrincipalId: identity.outputs.trainingPrincipalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// Every setting the host and the app read. Connections use the app identity; no value is a secret.
var functionAppSettings = {
  // Host storage and the Durable Functions task hub (Azure Storage provider).
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.appClientId
  TaskHubName: taskHubName
  // Event Hubs trigger connection 'EventHubs' and the names its attribute binds with %...%.
  EventHubs__fullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
  EventHubs__credential: 'managedidentity'
  EventHubs__clientId: identity.outputs.appClientId
  EventHubName: eventHubs.outputs.hubName
  EventHubConsumerGroup: eventHubs.outputs.consumerGroupName
  // Host keys live in Key Vault instead of the storage account.
  AzureWebJobsSecretStorageType: 'keyvault'
  AzureWebJobsSecretStorageKeyVaultUri: keyVault.outputs.uri
  AzureWebJobsSecretStorageKeyVaultClientId: identity.outputs.appClientId
  // Timer schedules, bound as %WeeklyForecastSchedule% and %RecommendationRefreshSchedule%.
  WeeklyForecastSchedule: weeklyForecastSchedule
  RecommendationRefreshSchedule: recommendationRefreshSchedule
  // The app's storage adapters: an account URI selects the Azure adapter with managed identity.
  Serverless__Storage__Blobs: storage.outputs.blobEndpoint
  Serverless__Storage__BlobContainer: appBlobContainerName
  Serverless__Storage__Documents: cosmos.outputs.endpoint
  Serverless__Storage__CosmosDatabase: cosmos.outputs.databaseName
  Serverless__Storage__CosmosContainer: appCosmosContainerName
  Serverless__Storage__ManagedIdentityClientId: identity.outputs.appClientId
  // The instance file system is not durable on Flex Consumption: notifications go to the logs.
  Serverless__Storage__Notifications: 'log'
  // Training runs as Azure ML Command jobs on the GPU cluster.
  Serverless__Training__Mode: 'AzureMl'
  Serverless__Training__AzureMl__SubscriptionId: subscription().subscriptionId
  Serverless__Training__AzureMl__ResourceGroup: rg.name
  Serverless__Training__AzureMl__Workspace: machineLearning.outputs.workspaceName
  Serverless__Training__AzureMl__Compute: machineLearning.outputs.computeName
  Serverless__Training__AzureMl__Environment: machineLearning.outputs.trainerEnvironment
  Serverless__Training__AzureMl__ManagedIdentityClientId: identity.outputs.appClientId
  // Telemetry with Entra ID authentication.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.appClientId};Authorization=AAD'
  // DefaultAzureCredential in app code picks the user-assigned identity.
  AZURE_CLIENT_ID: identity.outputs.appClientId
}

module functionApp 'modules/functionapp.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    planName: names.plan
    appName: names.functionApp
    identityId: identity.outputs.appIdentityId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: functionAppSettings
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    httpPerInstanceConcurrency: 16
  }
  // The host starts as soon as the site exists; its identity must already hold its roles.
  dependsOn: [
    roles
  ]
}

// azd writes these into .azure/<env>/.env.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_CLIENT_ID string = identity.outputs.appClientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_COSMOS_DATABASE string = cosmos.outputs.databaseName
output AZURE_EVENTHUBS_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output AZURE_EVENTHUB_NAME string = eventHubs.outputs.hubName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_ML_WORKSPACE_NAME string = machineLearning.outputs.workspaceName
output AZURE_ML_COMPUTE_NAME string = machineLearning.outputs.computeName
// Training code on the cluster authenticates as this identity (ManagedIdentityCredential with this client ID).
output AZURE_ML_TRAINING_IDENTITY_CLIENT_ID string = identity.outputs.trainingClientId
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.logAnalyticsId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
