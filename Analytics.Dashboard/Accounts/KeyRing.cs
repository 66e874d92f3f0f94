using System.Security.Cryptography;
using System.Xml.Linq;
using Analytics.Storage.Hosting;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// Where the dashboard's data protection keys live: in PostgreSQL (<c>data_protection_keys</c>), so all dashboard
/// replicas share one key ring and sign-ins survive restarts, each key encrypted with AES-256-GCM under a
/// key-encryption key that is not in the database: <c>Dashboard:KeyEncryptionKey</c> (<c>ANALYTICS_KEY_ENCRYPTION_KEY</c>,
/// 32 bytes in base64; the split deployment sets it for every replica), else a key file made once in the data directory.
/// </summary>
internal sealed class KeyRing(NpgsqlDataSource dataSource) : IXmlRepository
{
        public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute("INSERT INTO data_protection_keys (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING",
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }

    /// <summary>The configured key-encryption key, or the one kept in <c>keys/key-encryption.key</c> (made on first start).</summary>
    public static KeyEncryptionKey LoadKey(string? configured, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // A 32-byte buffer: a longer key does not fit and fails, a shorter one writes fewer bytes.
            var decoded = new byte[32];
            return Convert.TryFromBase64String(configured.Trim(), decoded, out var written) && written == decoded.Length
                ? new KeyEncryptionKey(decoded)
                : throw new OptionsException("Dashboard:KeyEncryptionKey (ANALYTICS_KEY_ENCRYPTION_KEY) must be 32 bytes in base64, e.g. the output of `openssl rand -base64 32`.");
        }

        var path = Path.Combine(dataDirectory, "keys", "key-encryption.key");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            file.Write(RandomNumberGenerator.GetBytes(32));
        }

        var key = File.ReadAllBytes(path);
        return key.Length == 32 ? new KeyEncryptionKey(key) : throw new OptionsException($"The key-encryption key file '{path}' is damaged (it must hold 32 bytes); restore it from a backup, or set Dashboard:KeyEncryptionKey (ANALYTICS_KEY_ENCRYPTION_KEY).");
    }
}

/// <summary>The key that encrypts the data protection keys at rest.</summary>
internal sealed class KeyEncryptionKey(byte[] key)
{
    public byte[] Key { get; } = key;
}

/// <summary>Encrypts a data protection key's XML with AES-256-GCM: 12-byte nonce, 16-byte tag, then the ciphertext.</summary>
internal sealed class KeyEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using (var aes = new AesGcm(key.Key, 16))
        {
            aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        }

        return new EncryptedXmlInfo(new XElement("encryptedKey", new XElement("value", Convert.ToBase64String(sealedBytes))), typeof(KeyDecryptor));
    }
}

/// <summary>The reverse of <see cref="KeyEncryptor"/>; data protection makes it through the service provider.</summary>
internal sealed class KeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var sealedBytes = Convert.FromBase64String(encryptedElement.Element("value")!.Value);
        var plain = new byte[sealedBytes.Length - 28];
        using (var aes = new AesGcm(services.GetRequiredService<KeyEncryptionKey>().Key, 16))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        }

        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plain));
    }
}
