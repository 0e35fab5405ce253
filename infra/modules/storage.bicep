// One StorageV2 account for the Durable Functions task hub (blobs, queues, tables), the Function
// App's deployment package, the data lake containers, and the Azure ML workspace's default datastore.
//
// Hierarchical namespace is OFF. Durable Functions would work on an HNS account (blob, queue and
// table all stay available), but Azure ML does not support HNS on a workspace's default storage
// account, and sharing one account keeps the deployment small. The data lake containers use
// "/"-separated blob names, which the flat namespace serves as virtual folders.
param location string
param tags object
param name string
@description('Name of the container that holds the Function App deployment package.')
param deploymentContainerName string
@description('Container the app\'s blob adapter writes artifacts into (Serverless:Storage:BlobContainer).')
param appContainerName string

// Data lake containers: the app's own container plus one per artifact family (see docs/operations.md).
var dataContainerNames = [
  appContainerName
  'datasets'
  'models'
  'forecasts'
  'orders'
  'recommendations'
  'experiments'
  'training'
]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    isHnsEnabled: false
    // Entra ID only: no account keys, no SAS signed with them.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    // Recover from an accidental delete of a model or dataset for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource dataContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in dataContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

output id string = account.id
output name string = account.name
// Without a trailing slash, as the app's Serverless__Storage__Blobs setting expects.
output blobEndpoint string = 'https://${account.name}.blob.${environment().suffixes.storage}'
output deploymentContainerUrl string = 'https://${account.name}.blob.${environment().suffixes.storage}/${deploymentContainer.name}'
output dataContainerNames array = [for (containerName, i) in dataContainerNames: dataContainers[i].name]
