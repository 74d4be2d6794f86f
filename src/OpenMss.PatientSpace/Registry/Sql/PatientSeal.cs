using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenMss.Core.Identifiers;
using OpenMss.Storage;

namespace OpenMss.PatientSpace.Registry.Sql;

/// <summary>
/// Seals a patient's personal data for the registry with AES-256-GCM (<see cref="MessageCipher"/>):
/// the identity (names, date of birth, insurer e-mail, card serial) as one record, the personal
/// e-mail on its own. The INS is part of the authenticated purpose, so a sealed record moved to
/// another patient's row does not open.
/// </summary>
internal sealed class PatientSeal(MessageCipher cipher)
{
    private const string IdentityPurpose = "openmss/patient-identity/v1:";
    private const string EmailPurpose = "openmss/patient-email/v1:";

    public byte[] SealIdentity(InsMatricule ins, PatientIdentity identity) =>
        cipher.Encrypt(JsonSerializer.SerializeToUtf8Bytes(identity, PatientSealJson.Default.PatientIdentity), IdentityPurpose + ins.Value);

    public PatientIdentity OpenIdentity(InsMatricule ins, byte[] sealedIdentity) =>
        JsonSerializer.Deserialize(cipher.Decrypt(sealedIdentity, IdentityPurpose + ins.Value), PatientSealJson.Default.PatientIdentity)
        ?? throw new StoreDecryptionException("A patient record decrypted to nothing.");

    public byte[]? SealEmail(InsMatricule ins, string? email) =>
        email is null ? null : cipher.Encrypt(Encoding.UTF8.GetBytes(email), EmailPurpose + ins.Value);

    public string? OpenEmail(InsMatricule ins, byte[]? sealedEmail) =>
        sealedEmail is null ? null : Encoding.UTF8.GetString(cipher.Decrypt(sealedEmail, EmailPurpose + ins.Value));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PatientIdentity))]
internal sealed partial class PatientSealJson : JsonSerializerContext;
