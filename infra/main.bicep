// Serverless: everything `azd up` creates for running the orchestrations on Azure Functions.
// Subscription scope: creates the resource group, then one module per resource in it.
// Registry modules (br/public:avm/...) are not used so the templates build offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

// Regions that offer Flex Consumption (`az functionapp list-flexconsumption-locations`); the region
// also needs the GPU VM size (gpuVmSize) and quota for it. azd offers only these when it asks.
@minLength(1)
@description('Azure region for every resource.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object ID of the person or pipeline running azd. When set, it gets data access for operating the deployment (see roles.bicep). Empty grants nothing.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal principalId names; azd passes AZURE_PRINCIPAL_TYPE (ServicePrincipal when a pipeline signed in).')
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

@minValue(40)
@maxValue(1000)
@description('Most Flex Consumption instances the Function App may scale to (Flex accepts 40 to 1000).')
param functionMaximumInstanceCount int = 100

@minValue(0)
@maxValue(20)
@description('Always-ready instances for the Durable Functions scale group. 0 scales to zero; each instance is billed around the clock (docs/operations.md).')
param functionDurableAlwaysReadyInstances int = 0

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

@description('Container image of the Azure ML environment training jobs run in. A new image registers a new environment version.')
param trainerImage string = 'mcr.microsoft.com/dotnet/runtime:10.0'

@description('Where the published trainer is (azureml://datastores/training/paths/trainer/<hash>/). Set by the azd postprovision hook (SERVERLESS_TRAINER_URI); empty leaves the setting to that hook.')
param trainerUri string = ''

@description('Turn on Key Vault purge protection (cannot be turned off again).')
param keyVaultPurgeProtection bool = false

@description('Webhook notification sinks as name:kind pairs, comma-separated (ops:slack,planners:teams,erp:json); kinds slack, teams, json. Each reads its URL from the secret notify-<name>-url in the host Key Vault and, for json, its signing key from notify-<name>-key. Empty: notifications go to the logs only.')
param notificationWebhooks string = ''

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
  hostStorage: 'sth${token}'
  dataStorage: 'st${token}'
  eventHubNamespace: 'evhns-${token}'
  cosmos: 'cosmos-${token}'
  hostKeyVault: 'kv-${token}'
  machineLearningKeyVault: 'kvml-${token}'
  machineLearning: 'mlw-${token}'
  plan: 'plan-${token}'
  functionApp: 'func-${token}'
}
var deploymentContainerName = 'app-package'
// The blob and Cosmos DB containers the Storage adapters use (their defaults in StorageSettings).
var appBlobContainerName = 'serverless'
// The published trainer; training jobs may read it and nothing more.
var trainerContainerName = 'training'
// Data lake containers: the app's own container plus one per artifact family (see docs/operations.md).
var dataContainerNames = [
  appBlobContainerName
  'datasets'
  'models'
  'forecasts'
  'orders'
  'recommendations'
  'experiments'
  trainerContainerName
]
// Identity-based Azure ML datastores: jobs reach blob paths of the app's container through the first
// (Serverless__Training__DataUriPrefix) and the trainer through the second (Serverless__Training__TrainerUri).
var jobDatastoreName = 'serverless'
var trainerDatastoreName = 'training'
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

// The Function App host's own account: AzureWebJobsStorage, the task hub and the deployment package.
module hostStorage 'modules/storage.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.hostStorage
    containerNames: [
      deploymentContainerName
    ]
  }
}

// The data lake and the Azure ML workspace's storage.
module dataStorage 'modules/storage.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.dataStorage
    containerNames: dataContainerNames
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

// Host keys only; the app may create and delete secrets here and in no other vault.
module hostKeyVault 'modules/keyvault.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.hostKeyVault
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

// The Azure ML workspace's vault, which the app has no role on.
module machineLearningKeyVault 'modules/keyvault.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.machineLearningKeyVault
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module machineLearning 'modules/machinelearning.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: names.machineLearning
    storageAccountId: dataStorage.outputs.id
    keyVaultId: machineLearningKeyVault.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    computeName: gpuComputeName
    vmSize: gpuVmSize
    maxNodeCount: gpuMaxNodeCount
    idleSecondsBeforeScaleDown: gpuIdleSecondsBeforeScaleDown
    trainingIdentityId: identity.outputs.trainingIdentityId
    trainerEnvironmentName: 'serverless-trainer'
    trainerImage: trainerImage
    datastores: [
      {
        name: jobDatastoreName
        containerName: appBlobContainerName
        description: 'The app\'s blob container: job inputs (datasets, configs) and outputs (models, metrics).'
      }
      {
        name: trainerDatastoreName
        containerName: trainerContainerName
        description: 'Published trainer builds (trainer/<hash>/), uploaded by the azd postprovision hook.'
      }
    ]
  }
}

module roles 'modules/roles.bicep' = {
  scope: rg
  params: {
    hostStorageAccountName: hostStorage.outputs.name
    dataStorageAccountName: dataStorage.outputs.name
    // Container names from the module's outputs, so the grants wait for the containers.
    jobDataContainerName: dataStorage.outputs.containerNames[indexOf(dataContainerNames, appBlobContainerName)]
    trainerContainerName: dataStorage.outputs.containerNames[indexOf(dataContainerNames, trainerContainerName)]
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.hubName
    hostKeyVaultName: hostKeyVault.outputs.name
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
  // Host storage and the Durable Functions task hub (Azure Storage provider), on the host's own account.
  AzureWebJobsStorage__accountName: hostStorage.outputs.name
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
  AzureWebJobsSecretStorageKeyVaultUri: hostKeyVault.outputs.uri
  AzureWebJobsSecretStorageKeyVaultClientId: identity.outputs.appClientId
  // Timer schedules, bound as %WeeklyForecastSchedule% and %RecommendationRefreshSchedule%.
  WeeklyForecastSchedule: weeklyForecastSchedule
  RecommendationRefreshSchedule: recommendationRefreshSchedule
  // The app's storage adapters: an account URI selects the Azure adapter with managed identity.
  Serverless__Storage__Blobs: dataStorage.outputs.blobEndpoint
  Serverless__Storage__BlobContainer: appBlobContainerName
  Serverless__Storage__Documents: cosmos.outputs.endpoint
  Serverless__Storage__CosmosDatabase: cosmos.outputs.databaseName
  Serverless__Storage__CosmosContainer: appCosmosContainerName
  Serverless__Storage__ManagedIdentityClientId: identity.outputs.appClientId
  // The instance file system is not durable on Flex Consumption: notifications are logged (and sent to the
  // webhooks of notificationWebhooks, below).
  Serverless__Storage__Notifications: 'log'
  // Training runs as Azure ML Command jobs on the GPU cluster.
  Serverless__Training__Mode: 'AzureMl'
  Serverless__Training__AzureMl__SubscriptionId: subscription().subscriptionId
  Serverless__Training__AzureMl__ResourceGroup: rg.name
  Serverless__Training__AzureMl__Workspace: machineLearning.outputs.workspaceName
  Serverless__Training__AzureMl__Compute: machineLearning.outputs.computeName
  Serverless__Training__AzureMl__Environment: machineLearning.outputs.trainerEnvironment
  Serverless__Training__AzureMl__ManagedIdentityClientId: identity.outputs.appClientId
  // Jobs run as the cluster's identity (the training identity) and reach blob paths of the app's
  // container through the identity-based datastore over it.
  Serverless__Training__AzureMl__JobIdentity: 'Managed'
  Serverless__Training__AzureMl__JobIdentityClientId: identity.outputs.trainingClientId
  Serverless__Training__DataUriPrefix: 'azureml://datastores/${machineLearning.outputs.datastoreNames[0]}/paths/'
  // Telemetry with Entra ID authentication.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.appClientId};Authorization=AAD'
  // DefaultAzureCredential in app code picks the user-assigned identity.
  AZURE_CLIENT_ID: identity.outputs.appClientId
}

// The trainer's location is known once the postprovision hook has published it (azure.yaml).
var trainerSettings = empty(trainerUri) ? {} : { Serverless__Training__TrainerUri: trainerUri }

// Webhook sinks: their URLs and signing keys are secrets, so the settings are Key Vault references the platform
// resolves with the app identity (keyVaultReferenceIdentity); the values never pass through the template.
var webhookSinks = [for sink in (empty(notificationWebhooks) ? [] : split(notificationWebhooks, ',')): {
  name: trim(split(sink, ':')[0])
  kind: toLower(trim(last(split(sink, ':'))))
}]
var webhookSettings = reduce(webhookSinks, {}, (settings, sink) => union(settings, {
  'Serverless__Notifications__Webhooks__${sink.name}__Kind': sink.kind
  'Serverless__Notifications__Webhooks__${sink.name}__Url': '@Microsoft.KeyVault(VaultName=${names.hostKeyVault};SecretName=notify-${sink.name}-url)'
}, sink.kind == 'json' ? {
  'Serverless__Notifications__Webhooks__${sink.name}__SigningKey': '@Microsoft.KeyVault(VaultName=${names.hostKeyVault};SecretName=notify-${sink.name}-key)'
} : {}))

module functionApp 'modules/functionapp.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    planName: names.plan
    appName: names.functionApp
    identityId: identity.outputs.appIdentityId
    deploymentContainerUrl: '${hostStorage.outputs.blobEndpoint}/${hostStorage.outputs.containerNames[0]}'
    appSettings: union(functionAppSettings, trainerSettings, webhookSettings)
    maximumInstanceCount: functionMaximumInstanceCount
    durableAlwaysReadyInstances: functionDurableAlwaysReadyInstances
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
// The data account (datasets, models, the trainer); the host's account is not for people.
output AZURE_STORAGE_ACCOUNT_NAME string = dataStorage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = dataStorage.outputs.blobEndpoint
output AZURE_HOST_STORAGE_ACCOUNT_NAME string = hostStorage.outputs.name
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_COSMOS_DATABASE string = cosmos.outputs.databaseName
output AZURE_EVENTHUBS_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output AZURE_EVENTHUB_NAME string = eventHubs.outputs.hubName
output AZURE_KEY_VAULT_NAME string = hostKeyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = hostKeyVault.outputs.uri
output AZURE_ML_WORKSPACE_NAME string = machineLearning.outputs.workspaceName
output AZURE_ML_COMPUTE_NAME string = machineLearning.outputs.computeName
output AZURE_ML_ENVIRONMENT string = machineLearning.outputs.trainerEnvironment
// Where the postprovision hook uploads the trainer: the container, and the datastore jobs read it through.
output AZURE_ML_TRAINER_CONTAINER string = dataStorage.outputs.containerNames[indexOf(dataContainerNames, trainerContainerName)]
output AZURE_ML_TRAINER_DATASTORE string = machineLearning.outputs.datastoreNames[1]
// Training code on the cluster authenticates as this identity (ManagedIdentityCredential with this client ID).
output AZURE_ML_TRAINING_IDENTITY_CLIENT_ID string = identity.outputs.trainingClientId
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.logAnalyticsId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
