// User-assigned identities. The Function App's identity is shared by the host (storage, Event Hubs,
// Key Vault) and the app code (Cosmos DB, Azure ML). Training jobs get their own identity so a
// compromised job can touch the job data container (and read the trainer) and nothing else.
param location string
param tags object
param appIdentityName string
param trainingIdentityName string

resource app 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource training 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: trainingIdentityName
  location: location
  tags: tags
}

output appIdentityId string = app.id
output appPrincipalId string = app.properties.principalId
output appClientId string = app.properties.clientId
output trainingIdentityId string = training.id
output trainingPrincipalId string = training.properties.principalId
output trainingClientId string = training.properties.clientId
