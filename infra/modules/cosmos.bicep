// Cosmos DB (NoSQL API) in serverless capacity mode: billed per request unit and per GB stored,
// nothing for an idle account. Keys are disabled for the data plane; callers use Entra ID with a
// Cosmos DB SQL role assignment (roles.bicep).
//
// Every container is partitioned on a synthetic '/pk' so each access path is a point read or a
// single-partition query:
//   recommendations  pk = '<service>|<user>'      read a user's list in one service
//   experiments      pk = '<experimentId>'        read or update one experiment's aggregates
//   assignments      pk = '<experimentId>|<user>' sticky variant for a user in an experiment
//   documents        pk chosen by the caller       the document adapter's container today
//                                                  (Serverless:Storage:CosmosContainer)
param location string
param tags object
param accountName string
param databaseName string

var containerNames = [
  'recommendations'
  'experiments'
  'assignments'
  'documents'
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    // Entra ID only for data, and no key-based writes to databases/containers either.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    // Point-in-time restore for the last 7 days; this tier has no extra charge.
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = [
  for containerName in containerNames: {
    parent: database
    name: containerName
    properties: {
      resource: {
        id: containerName
        partitionKey: {
          paths: [
            '/pk'
          ]
          kind: 'Hash'
          version: 2
        }
      }
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output containerNames array = [for (containerName, i) in containerNames: containers[i].name]
